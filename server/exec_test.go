package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/execstream"
	"github.com/minikubelet/minikubelet/runtime"
)

// readsOneByte is a process that reads one byte of its stdin, if it has one, then exits with code;
// without stdin it runs until it is killed (its context ends), and reports that on killed.
type readsOneByte struct {
	code   int
	killed chan struct{}
}

func (e readsOneByte) Exec(ctx context.Context, _ string, opts runtime.ExecOptions) (int, error) {
	if opts.Stdin == nil {
		<-ctx.Done()
		close(e.killed)
		return 0, ctx.Err()
	}
	_, err := opts.Stdin.Read(make([]byte, 1))
	return e.code, err
}

// upgrade opens an exec session on srv and returns the connection and its reader.
func upgrade(t *testing.T, srv *httptest.Server, query string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails instead of blocking
	fmt.Fprintf(conn, "POST /exec/default/web/c?%s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", query, execstream.Protocol)
	in := bufio.NewReader(conn)
	resp, err := http.ReadResponse(in, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	return conn, in
}

// Stdin the process does not read must neither keep a finished session open nor hide that the
// client went away.
func TestExecStdinNobodyReads(t *testing.T) {
	p := pod("default", "web", "10.88.0.2")
	p.Status.ContainerStatuses = []v1.ContainerStatus{{
		Name: "c", ContainerID: "containerd://abc",
		State: v1.ContainerState{Running: &v1.ContainerStateRunning{}},
	}}
	proc := readsOneByte{code: 7, killed: make(chan struct{})}
	s := New(Config{Logger: testLogger(t), Exec: proc}, &fakeSource{pods: []v1.Pod{p}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	stdin := bytes.Repeat([]byte("x"), 4096)

	t.Run("the process exits with stdin unread", func(t *testing.T) {
		conn, in := upgrade(t, srv, "command=cat&stdin=true")
		fw := execstream.NewWriter(conn)
		go func() {
			for i := 0; i < 16; i++ {
				if fw.WriteFrame(execstream.Stdin, stdin) != nil {
					return
				}
			}
		}()
		for {
			typ, payload, err := execstream.ReadFrame(in)
			if err != nil {
				t.Fatalf("no exit frame: %v", err)
			}
			if typ == execstream.Exit {
				if code, err := execstream.DecodeExit(payload); err != nil || code != 7 {
					t.Fatalf("exit frame = %d, %v; want 7", code, err)
				}
				return
			}
		}
	})
	t.Run("without -i the client going away kills the process", func(t *testing.T) {
		conn, _ := upgrade(t, srv, "command=sleep&command=1000")
		if err := execstream.NewWriter(conn).WriteFrame(execstream.Stdin, stdin); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		select {
		case <-proc.killed:
		case <-time.After(30 * time.Second):
			t.Fatal("the process still runs after its client went away")
		}
	})
}
