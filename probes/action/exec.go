package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/expansion"
)

// maxOutput is how much of an exec probe's output is kept (kubelet's 10 KiB).
const maxOutput = 10 << 10

// hookExecTimeout bounds an exec hook whose context has no deadline: kubelet gives hooks no
// timeout of their own, so this only stands for "none".
const hookExecTimeout = 24 * time.Hour

// execProbe runs the command in the container, its $(VAR)s expanded from the container's static
// env: exit 0 is success; any other exit is a failure with the output as the message; a command
// that times out fails with kubelet's `command "..." timed out`; one that could not run is Unknown.
func execProbe(ctx context.Context, a *v1.ExecAction, t Target, timeout time.Duration) (Result, string) {
	if t.Exec == nil {
		return Unknown, "exec probe: no way to exec in the container"
	}
	cmd := a.Command
	if t.Container != nil {
		cmd = expandCommand(cmd, t.Container.Env)
	}
	out, code, err := t.Exec.ExecSync(ctx, t.ContainerID, cmd, timeout)
	switch {
	case errors.Is(err, ErrExecTimeout):
		return Failure, fmt.Sprintf("command %q timed out", strings.Join(cmd, " "))
	case err != nil:
		return Unknown, err.Error()
	case code != 0:
		return Failure, string(out[:min(len(out), maxOutput)])
	default:
		return Success, ""
	}
}

// execHook runs the command until it ends or ctx ends. Unlike a probe's, the command is run as
// written (kubelet expands no $(VAR) in hooks) and its output is dropped.
func execHook(ctx context.Context, a *v1.ExecAction, t Target) error {
	if t.Exec == nil {
		return errors.New("exec hook: no way to exec in the container")
	}
	timeout := hookExecTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Millisecond)
	}
	_, code, err := t.Exec.ExecSync(ctx, t.ContainerID, a.Command, timeout)
	if err != nil {
		return fmt.Errorf("exec hook: %w", err)
	}
	if code != 0 {
		return fmt.Errorf("exec hook exited with code %d", code)
	}
	return nil
}

// expandCommand applies kubelet's static $(VAR) expansion to an exec probe's command: VAR is any
// env entry of the container, valueFrom ones standing for "" (kubelet's
// ExpandContainerCommandOnlyStatic); an unknown $(VAR) stays as written; $$ is a literal $.
func expandCommand(cmd []string, env []v1.EnvVar) []string {
	if len(env) == 0 {
		return cmd
	}
	vars := make(map[string]string, len(env))
	for _, e := range env {
		vars[e.Name] = e.Value
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	out := make([]string, len(cmd))
	for i, arg := range cmd {
		out[i] = expansion.Expand(arg, lookup)
	}
	return out
}
