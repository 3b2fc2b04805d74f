package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/runtime"
	"github.com/minikubelet/minikubelet/server"
)

// fakeExecer echoes stdin to stdout, says bye on stderr and exits 7; with block it waits for its
// context instead and reports that it ended.
type fakeExecer struct {
	block bool

	mu    sync.Mutex
	got   runtime.ExecOptions
	ended chan struct{}
}

func (f *fakeExecer) Exec(ctx context.Context, id string, opts runtime.ExecOptions) (int, error) {
	f.mu.Lock()
	f.got = opts
	f.mu.Unlock()
	if f.block {
		fmt.Fprint(opts.Stdout, "started\n")
		<-ctx.Done()
		close(f.ended)
		return -1, ctx.Err()
	}
	if id != "abc" {
		return -1, fmt.Errorf("wrong container %q", id)
	}
	if opts.Stdin != nil {
		if _, err := io.Copy(opts.Stdout, opts.Stdin); err != nil {
			return -1, err
		}
	}
	fmt.Fprint(opts.Stderr, "bye")
	return 7, nil
}

// serveSocket runs the real server on a unix socket and returns a client of it.
func serveSocket(t *testing.T, exec server.Execer) *Client {
	t.Helper()
	web := runningPod("default", "web", "10.88.0.2", time.Minute)
	web.Status.ContainerStatuses[0].ContainerID = "containerd://abc"
	socket := filepath.Join(t.TempDir(), "mk.sock")
	srv := server.New(server.Config{Socket: socket, Exec: exec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		&agentSource{pods: []v1.Pod{web}})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &Client{Socket: socket}
}

func TestExecStreams(t *testing.T) {
	fake := &fakeExecer{}
	c := serveSocket(t, fake)
	var out, errOut bytes.Buffer
	code, err := Exec(context.Background(), c, ExecOptions{
		Namespace: "default", Pod: "web", Command: []string{"cat", "-"}, Stdin: true,
		In: strings.NewReader("hello\n"), Out: &out, ErrOut: &errOut,
	})
	if err != nil {
		t.Fatal(err)
	}
	if code != 7 || out.String() != "hello\n" || errOut.String() != "bye" {
		t.Errorf("exec = %d %q %q", code, out.String(), errOut.String())
	}
	if strings.Join(fake.got.Cmd, " ") != "cat -" || fake.got.TTY {
		t.Errorf("the runtime got %+v", fake.got)
	}
}

func TestExecRefusals(t *testing.T) {
	c := serveSocket(t, &fakeExecer{})
	for _, tc := range []struct {
		pod, container, want string
	}{
		{"web", "nope", `container "nope" not found in pod "web"`},
		{"other", "", `pods "other" not found`},
	} {
		_, err := Exec(context.Background(), c, ExecOptions{Namespace: "default", Pod: tc.pod, Container: tc.container,
			Command: []string{"true"}, Out: io.Discard, ErrOut: io.Discard})
		if err == nil || err.Error() != tc.want {
			t.Errorf("exec in %s/%s: %v, want %q", tc.pod, tc.container, err, tc.want)
		}
	}
}

func TestExecClientGoingAwayEndsTheProcess(t *testing.T) {
	fake := &fakeExecer{block: true, ended: make(chan struct{})}
	c := serveSocket(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := Exec(ctx, c, ExecOptions{Namespace: "default", Pod: "web", Command: []string{"sleep"}, Out: pw, ErrOut: io.Discard})
		done <- err
	}()
	buf := make([]byte, len("started\n"))
	if _, err := io.ReadFull(pr, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	select {
	case <-fake.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the process was not ended when the client went away")
	}
}

// resizeExecer reports the terminal sizes it is given and exits once it saw a resize.
type resizeExecer struct {
	got chan runtime.TerminalSize
}

func (r *resizeExecer) Exec(ctx context.Context, id string, opts runtime.ExecOptions) (int, error) {
	r.got <- opts.Size
	if !opts.TTY {
		return 1, nil
	}
	select {
	case size := <-opts.Resize:
		r.got <- size
		return 0, nil
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

func TestExecTerminalSize(t *testing.T) {
	fake := &resizeExecer{got: make(chan runtime.TerminalSize, 2)}
	c := serveSocket(t, fake)
	resize := make(chan TerminalSize, 1)
	resize <- TerminalSize{Width: 120, Height: 40}
	code, err := Exec(context.Background(), c, ExecOptions{Namespace: "default", Pod: "web", Command: []string{"sh"},
		TTY: true, Size: TerminalSize{Width: 80, Height: 24}, Resize: resize, Out: io.Discard, ErrOut: io.Discard})
	if err != nil || code != 0 {
		t.Fatalf("exec = %d, %v", code, err)
	}
	if first, then := <-fake.got, <-fake.got; first != (runtime.TerminalSize{Width: 80, Height: 24}) || then != (runtime.TerminalSize{Width: 120, Height: 40}) {
		t.Errorf("sizes %v then %v", first, then)
	}
}
