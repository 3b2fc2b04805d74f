package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/execstream"
	"github.com/minikubelet/minikubelet/runtime"
)

// Execer runs an interactive process in a running container; runtime/containerd implements it.
type Execer interface {
	Exec(ctx context.Context, containerID string, opts runtime.ExecOptions) (int, error)
}

// execRequest is the parsed query of POST /exec/...
type execRequest struct {
	command []string
	stdin   bool
	tty     bool
	size    runtime.TerminalSize
}

// handleExec runs a command in a container over an upgraded connection (package execstream).
// Refusals (no such pod or container, not running, a bad query) are plain HTTP errors.
func (s *Server) handleExec(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Exec == nil {
		http.Error(w, "exec is not available", http.StatusNotImplemented)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), execstream.Protocol) {
		http.Error(w, "exec needs Upgrade: "+execstream.Protocol, http.StatusBadRequest)
		return
	}
	req, err := parseExecQuery(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	namespace, podName, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	pod := s.podOr404(w, namespace, podName)
	if pod == nil {
		return
	}
	id, err := execTarget(pod, container)
	if err != nil {
		writeTargetError(w, err)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "exec: cannot take over the connection: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Time{})
	fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", execstream.Protocol)
	if err := brw.Flush(); err != nil {
		return
	}
	log := s.log.With("pod", namespace+"/"+podName, "container", container)
	log.Info("exec", "tty", req.tty, "stdin", req.stdin)
	log.Debug("exec command", "command", req.command) // may hold secrets: not at Info
	code, err := s.runExec(r.Context(), conn, brw.Reader, id, req)
	fw := execstream.NewWriter(conn)
	switch {
	case err == nil:
		_ = fw.WriteFrame(execstream.Exit, execstream.EncodeExit(code))
	case errors.Is(err, context.Canceled):
		log.Debug("exec ended: the client went away or the agent stops")
	default:
		log.Warn("exec failed", "err", err)
		_ = fw.WriteFrame(execstream.Error, []byte(err.Error()))
	}
}

// runExec feeds the client's frames to the process and its output to the client until the
// process exits; the client going away cancels it.
func (s *Server) runExec(ctx context.Context, conn net.Conn, in *bufio.Reader, containerID string, req execRequest) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fw := execstream.NewWriter(conn)
	opts := runtime.ExecOptions{
		Cmd: req.command, TTY: req.tty, Size: req.size,
		Stdout: fw.Stream(execstream.Stdout), Stderr: fw.Stream(execstream.Stderr),
	}
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	if req.stdin {
		opts.Stdin = stdinR
	} else {
		// Stdin frames without -i are dropped (writes fail at once) instead of blocking the
		// reader, which must keep reading to see the client go away.
		stdinR.CloseWithError(io.ErrClosedPipe)
	}
	resize := make(chan runtime.TerminalSize, 1)
	opts.Resize = resize
	readerDone := make(chan struct{})
	defer func() {
		// The process is gone: nothing reads its stdin any more, so a write the reader is blocked
		// in must fail, and then the deadline ends its frame read. Only then is the caller free to
		// write the exit frame.
		stdinR.CloseWithError(io.ErrClosedPipe)
		_ = conn.SetReadDeadline(time.Now())
		<-readerDone
	}()
	go func() {
		defer close(readerDone)
		err := readClientFrames(in, stdinW, resize)
		// The connection failed or closed: the client is gone.
		stdinW.CloseWithError(err)
		cancel()
	}()
	return s.cfg.Exec.Exec(ctx, containerID, opts)
}

// readClientFrames reads frames until the connection ends: stdin data to stdin, resizes to resize
// (the newest wins).
func readClientFrames(in io.Reader, stdin *io.PipeWriter, resize chan runtime.TerminalSize) error {
	for {
		t, payload, err := execstream.ReadFrame(in)
		if err != nil {
			return err
		}
		switch t {
		case execstream.Stdin:
			if _, err := stdin.Write(payload); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				return err
			}
		case execstream.StdinClose:
			stdin.Close()
		case execstream.Resize:
			w, h, err := execstream.DecodeResize(payload)
			if err != nil {
				return err
			}
			select {
			case <-resize: // drop a size not yet applied
			default:
			}
			resize <- runtime.TerminalSize{Width: w, Height: h}
		default:
			return fmt.Errorf("exec stream: unexpected frame type %d from the client", t)
		}
	}
}

// parseExecQuery reads command (repeated), stdin, tty, width and height.
func parseExecQuery(r *http.Request) (execRequest, error) {
	q := r.URL.Query()
	req := execRequest{command: q["command"]}
	if len(req.command) == 0 {
		return req, errors.New("you must specify at least one command for the container")
	}
	var err error
	if req.stdin, err = boolParam(q, "stdin"); err != nil {
		return req, err
	}
	if req.tty, err = boolParam(q, "tty"); err != nil {
		return req, err
	}
	for _, p := range []struct {
		name string
		dst  *uint16
	}{{"width", &req.size.Width}, {"height", &req.size.Height}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseUint(v, 10, 16)
			if err != nil {
				return req, fmt.Errorf("%s %q: %w", p.name, v, err)
			}
			*p.dst = uint16(n)
		}
	}
	return req, nil
}

// execTarget is the runtime ID of the container's running instance.
func execTarget(pod *v1.Pod, container string) (string, error) {
	for _, list := range [][]v1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for _, cs := range list {
			if cs.Name != container {
				continue
			}
			if cs.State.Running == nil || cs.ContainerID == "" {
				return "", fmt.Errorf("cannot exec into container %q in pod %q: it is not running", container, pod.Name)
			}
			return runtimeID(cs.ContainerID), nil
		}
	}
	return "", noSuchContainerError{container: container, pod: pod.Name}
}
