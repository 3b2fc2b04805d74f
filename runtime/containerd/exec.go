package containerd

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/minikubelet/minikubelet/probes/action"
)

// maxExecOutput is how much of an exec'd command's output is kept, as kubelet keeps for probes.
const maxExecOutput = 10 << 10

// ExecSync runs cmd inside the container's namespaces, as the container's own process does (same
// user, env and cwd), and returns its stdout followed by its stderr and its exit code. A command
// still running after timeout is SIGKILLed and the error wraps action.ErrExecTimeout.
func (r *Runtime) ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) ([]byte, int, error) {
	ctx = r.ctx(ctx)
	var stdout, stderr cappedBuffer
	process, exited, cleanup, err := r.startExec(ctx, containerID, func(p *specs.Process) { p.Args = cmd },
		cio.NewCreator(cio.WithStreams(nil, &stdout, &stderr)))
	if err != nil {
		return nil, 0, err
	}
	defer cleanup()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case st := <-exited:
		process.IO().Wait() // all output copied before it is read
		code, _, err := st.Result()
		if err != nil {
			return nil, 0, fmt.Errorf("exec in %s: %w", containerID, err)
		}
		return append(stdout.Bytes(), stderr.Bytes()...), int(code), nil
	case <-timer.C:
		_ = process.Kill(ctx, syscall.SIGKILL)
		<-exited
		return append(stdout.Bytes(), stderr.Bytes()...), -1, fmt.Errorf("%w after %s", action.ErrExecTimeout, timeout)
	case <-ctx.Done():
		_ = process.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		return nil, 0, ctx.Err()
	}
}

// cappedBuffer keeps the first maxExecOutput bytes written to it and drops the rest. It is written
// by containerd's copy goroutine and read once that is done.
type cappedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := maxExecOutput - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (b *cappedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

// startExec starts a process in a running container from a copy of the container's own process
// spec (user, env, cwd) that edit changes, and returns it with its exit channel and the cleanup
// that deletes it (killing it if need be) with its FIFOs, even after ctx has ended.
func (r *Runtime) startExec(ctx context.Context, containerID string, edit func(*specs.Process), creator cio.Creator) (containerd.Process, <-chan containerd.ExitStatus, func(), error) {
	container, task, err := r.loadTask(ctx, containerID)
	if err != nil {
		return nil, nil, nil, err
	}
	if task == nil {
		return nil, nil, nil, fmt.Errorf("container %s is not running", containerID)
	}
	spec, err := container.Spec(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("spec of %s: %w", containerID, err)
	}
	pspec := *spec.Process
	pspec.Terminal, pspec.ConsoleSize = false, nil
	edit(&pspec)
	execID := "exec-" + newID()[:16]
	// Its FIFOs are named for the exec ID: the log ties them to the container.
	r.log.Debug("exec", "container", containerID, "exec", execID)
	process, err := task.Exec(ctx, execID, &pspec, creator)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exec in %s: %w", containerID, err)
	}
	cleanup := func() {
		// A fresh context: the process must go even when ctx has ended.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := process.Delete(dctx, containerd.WithProcessKill); err != nil {
			r.log.Debug("delete exec process", "container", containerID, "exec", execID, "err", err)
			// Delete closes the FIFOs only once the shim has let go of the process; when it
			// failed (the task is gone, say), they are still ours to remove.
			if pio := process.IO(); pio != nil {
				pio.Cancel()
				if err := pio.Close(); err != nil {
					r.log.Debug("remove exec FIFOs", "container", containerID, "exec", execID, "err", err)
				}
			}
		}
	}
	exited, err := process.Wait(ctx)
	if err != nil {
		cleanup()
		return nil, nil, nil, fmt.Errorf("wait for exec in %s: %w", containerID, err)
	}
	if err := process.Start(ctx); err != nil {
		cleanup()
		return nil, nil, nil, fmt.Errorf("start exec in %s: %w", containerID, err)
	}
	return process, exited, cleanup, nil
}
