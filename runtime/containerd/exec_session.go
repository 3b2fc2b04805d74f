package containerd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/minikubelet/minikubelet/runtime"
)

// Exec runs an interactive process in a running container, as its own process runs (user, env,
// cwd), streaming its IO through opts, and returns its exit code. When ctx ends first (the client
// went away) the process is killed. Either way the process and its FIFOs are deleted.
func (r *Runtime) Exec(ctx context.Context, containerID string, opts runtime.ExecOptions) (int, error) {
	ctx = r.ctx(ctx)
	var stdin io.Reader
	stdinDone := make(chan struct{})
	if opts.Stdin != nil {
		stdin = &eofNotifier{r: opts.Stdin, done: stdinDone}
	}
	ioOpts := []cio.Opt{cio.WithStreams(stdin, opts.Stdout, opts.Stderr)}
	if opts.TTY {
		ioOpts = append(ioOpts, cio.WithTerminal)
	}
	process, exited, cleanup, err := r.startExec(ctx, containerID, func(p *specs.Process) {
		p.Args = opts.Cmd
		p.Terminal = opts.TTY
		if opts.TTY && opts.Size.Width > 0 && opts.Size.Height > 0 {
			p.ConsoleSize = &specs.Box{Width: uint(opts.Size.Width), Height: uint(opts.Size.Height)}
		}
	}, cio.NewCreator(ioOpts...))
	if err != nil {
		return -1, err
	}
	defer cleanup()
	sessionCtx, endSession := context.WithCancel(ctx)
	defer endSession()
	if opts.Stdin != nil {
		go func() {
			select {
			case <-stdinDone:
				// The shim holds the stdin FIFO open too; this lets the process see EOF.
				if err := process.CloseIO(sessionCtx, containerd.WithStdinCloser); err != nil {
					r.log.Debug("close exec stdin", "container", containerID, "exec", process.ID(), "err", err)
				}
			case <-sessionCtx.Done():
			}
		}()
	}
	if opts.TTY && opts.Resize != nil {
		go func() {
			for {
				select {
				case size := <-opts.Resize:
					if err := process.Resize(sessionCtx, uint32(size.Width), uint32(size.Height)); err != nil {
						r.log.Debug("resize exec terminal", "container", containerID, "exec", process.ID(), "err", err)
					}
				case <-sessionCtx.Done():
					return
				}
			}
		}()
	}
	select {
	case st := <-exited:
		process.IO().Wait() // all output copied before the exit code is reported
		code, _, err := st.Result()
		if err != nil {
			return -1, fmt.Errorf("exec in %s: %w", containerID, err)
		}
		return int(code), nil
	case <-ctx.Done():
		_ = process.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		return -1, ctx.Err()
	}
}

// eofNotifier closes done when its reader reports EOF (or any error): the exec's stdin is over.
type eofNotifier struct {
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func (e *eofNotifier) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.once.Do(func() { close(e.done) })
	}
	return n, err
}
