package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/minikubelet/minikubelet/execstream"
)

// TerminalSize is the local terminal's size in characters.
type TerminalSize struct{ Width, Height uint16 }

// ExecOptions are `minikubelet exec`'s options, kubectl exec's flags, and the local streams.
type ExecOptions struct {
	Namespace string
	Pod       string
	Container string // empty: the first container
	Command   []string
	Stdin     bool // send In to the process
	TTY       bool // give the process a terminal; its output all comes on Out
	In        io.Reader
	Out       io.Writer
	ErrOut    io.Writer
	Size      TerminalSize        // the terminal's size at the start (TTY)
	Resize    <-chan TerminalSize // its later sizes (TTY)
}

// Exec runs a command in a container through the agent's exec stream and returns the command's
// exit code.
func Exec(ctx context.Context, c *Client, opts ExecOptions) (int, error) {
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if len(opts.Command) == 0 {
		return -1, errors.New("you must specify at least one command for the container")
	}
	pod, err := podOf(ctx, c, opts.Namespace, opts.Pod)
	if err != nil {
		return -1, err
	}
	container := defaultContainer(pod, opts.Container, func(note string) { fmt.Fprintln(opts.ErrOut, note) })
	q := url.Values{"command": opts.Command}
	if opts.Stdin {
		q.Set("stdin", "true")
	}
	if opts.TTY {
		q.Set("tty", "true")
		if opts.Size.Width > 0 && opts.Size.Height > 0 {
			q.Set("width", strconv.Itoa(int(opts.Size.Width)))
			q.Set("height", strconv.Itoa(int(opts.Size.Height)))
		}
	}
	path := "/exec/" + url.PathEscape(opts.Namespace) + "/" + url.PathEscape(opts.Pod) + "/" + url.PathEscape(container) + "?" + q.Encode()
	header := http.Header{"Connection": {"Upgrade"}, "Upgrade": {execstream.Protocol}}
	resp, err := c.do(ctx, http.MethodPost, path, header, 0)
	if err != nil {
		return -1, serverMessage(err)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		resp.Body.Close()
		return -1, fmt.Errorf("exec: the agent answered %s instead of switching to %s", resp.Status, execstream.Protocol)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	fw := execstream.NewWriter(conn)
	if opts.Stdin && opts.In != nil {
		go sendStdin(fw, opts.In)
	}
	if opts.TTY && opts.Resize != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case size := <-opts.Resize:
					if fw.WriteFrame(execstream.Resize, execstream.EncodeResize(size.Width, size.Height)) != nil {
						return
					}
				case <-done:
					return
				}
			}
		}()
	}
	return receive(conn, opts.Out, opts.ErrOut)
}

// sendStdin copies in to the process until EOF, then tells the agent stdin is over. It ends with
// the connection; a read blocked on a terminal ends with the program.
func sendStdin(fw *execstream.Writer, in io.Reader) {
	if _, err := io.Copy(fw.Stream(execstream.Stdin), in); err != nil {
		return
	}
	_ = fw.WriteFrame(execstream.StdinClose, nil)
}

// receive writes the process's output until its exit code arrives.
func receive(conn io.Reader, out, errOut io.Writer) (int, error) {
	for {
		t, payload, err := execstream.ReadFrame(conn)
		if err != nil {
			return -1, fmt.Errorf("exec: connection to the agent lost: %w", err)
		}
		switch t {
		case execstream.Stdout:
			if _, err := out.Write(payload); err != nil {
				return -1, fmt.Errorf("exec: write output: %w", err)
			}
		case execstream.Stderr:
			if _, err := errOut.Write(payload); err != nil {
				return -1, fmt.Errorf("exec: write output: %w", err)
			}
		case execstream.Exit:
			return execstream.DecodeExit(payload)
		case execstream.Error:
			return -1, fmt.Errorf("exec: %s", payload)
		default:
			return -1, fmt.Errorf("exec: unexpected frame type %d from the agent", t)
		}
	}
}
