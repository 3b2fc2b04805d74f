// Package action runs a probe or a lifecycle hook once, as kubelet does: exec inside the container,
// httpGet, tcpSocket and grpc from the agent to the pod, sleep. Probes and hooks share it.
package action

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Result is a probe's verdict.
type Result int

const (
	Unknown Result = iota // the probe could not run; kubelet throws it away
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	default:
		return "Unknown"
	}
}

// Execer runs a command inside a container; the containerd runtime implements it.
type Execer interface {
	// ExecSync returns the command's output (stdout then stderr, capped) and exit code. A command
	// that outlives timeout is killed and err wraps ErrExecTimeout.
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) ([]byte, int, error)
}

// ErrExecTimeout is what an Execer wraps when the command outlived its timeout.
var ErrExecTimeout = errors.New("command timed out")

// Target is where a probe or hook runs.
type Target struct {
	PodIP       string        // default host for httpGet, tcpSocket and grpc
	ContainerID string        // for exec
	Container   *v1.Container // for named ports
	Exec        Execer
}

// Probe runs p's handler once, bounded by timeoutSeconds (default 1). The string is kubelet's
// message for an Unhealthy event on failure, a warning on a success with one, else "".
func Probe(ctx context.Context, p *v1.Probe, t Target) (Result, string) {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := &p.ProbeHandler
	switch {
	case h.Exec != nil:
		return execProbe(ctx, h.Exec.Command, t, timeout)
	case h.HTTPGet != nil:
		return httpProbe(ctx, h.HTTPGet, t)
	case h.TCPSocket != nil:
		return tcpProbe(ctx, h.TCPSocket, t)
	case h.GRPC != nil:
		return grpcProbe(ctx, h.GRPC, t)
	default:
		return Unknown, "probe has no handler"
	}
}

// Hook runs a postStart or preStop handler until it ends or ctx ends. Its error never holds the
// command's output or the response body, which may carry secrets.
func Hook(ctx context.Context, h *v1.LifecycleHandler, t Target) error {
	switch {
	case h.Exec != nil:
		if t.Exec == nil {
			return errors.New("exec hook: no way to exec")
		}
		_, code, err := t.Exec.ExecSync(ctx, t.ContainerID, h.Exec.Command, hookTimeout(ctx))
		if err != nil {
			return fmt.Errorf("exec hook: %w", err)
		}
		if code != 0 {
			return fmt.Errorf("exec hook exited with code %d", code)
		}
		return nil
	case h.HTTPGet != nil:
		return httpHook(ctx, h.HTTPGet, t)
	case h.Sleep != nil:
		timer := time.NewTimer(time.Duration(h.Sleep.Seconds) * time.Second)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("sleep hook: %w", ctx.Err())
		}
	case h.TCPSocket != nil:
		return nil // deprecated; kubelet does not run it
	default:
		return errors.New("hook has no handler")
	}
}

// hookTimeout bounds an exec hook by ctx's deadline, or not at all (a day) as kubelet does.
func hookTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 24 * time.Hour
}

// resolvePort turns a port number or a container port's name into a number.
func resolvePort(port intstr.IntOrString, c *v1.Container) (int, error) {
	if port.Type == intstr.Int {
		if port.IntVal <= 0 || port.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port %d", port.IntVal)
		}
		return int(port.IntVal), nil
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	if c != nil {
		for _, p := range c.Ports {
			if p.Name == port.StrVal {
				return int(p.ContainerPort), nil
			}
		}
	}
	return 0, fmt.Errorf("no container port named %q", port.StrVal)
}

func hostPort(host, podIP string, port int) string {
	if host == "" {
		host = podIP
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
