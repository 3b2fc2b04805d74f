package action

import (
	"context"
	"errors"
	"strings"
	"time"
)

// execProbe runs the command in the container: exit 0 is success; its output is the message.
func execProbe(ctx context.Context, cmd []string, t Target, timeout time.Duration) (Result, string) {
	if t.Exec == nil {
		return Unknown, "no way to exec"
	}
	out, code, err := t.Exec.ExecSync(ctx, t.ContainerID, cmd, timeout)
	switch {
	case errors.Is(err, ErrExecTimeout), errors.Is(err, context.DeadlineExceeded):
		return Failure, "command timed out"
	case err != nil:
		return Unknown, err.Error()
	case code != 0:
		return Failure, strings.TrimSpace(string(out))
	default:
		return Success, ""
	}
}
