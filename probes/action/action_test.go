package action

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// target returns a Target for a server listening at addr ("127.0.0.1:PORT"), whose container
// names that port "web", and the port.
func target(t *testing.T, addr string) (Target, int32) {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatal(err)
	}
	c := &v1.Container{Ports: []v1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	return Target{PodIP: host, Container: c}, int32(port)
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}

// fakeExec answers every exec with a fixed output, exit code and error, and records the calls.
type fakeExec struct {
	out   string
	code  int
	err   error
	cmd   []string
	calls int
}

func (f *fakeExec) ExecSync(_ context.Context, _ string, cmd []string, _ time.Duration) ([]byte, int, error) {
	f.cmd = cmd
	f.calls++
	return []byte(f.out), f.code, f.err
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{Unknown: "Unknown", Success: "Success", Failure: "Failure"} {
		if got := r.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(r), got, want)
		}
	}
}

func TestProbeWithoutHandler(t *testing.T) {
	got, msg := Probe(context.Background(), &v1.Probe{}, Target{PodIP: "127.0.0.1"})
	if got != Unknown || msg == "" {
		t.Errorf("Probe = %s %q, want Unknown with a reason", got, msg)
	}
}
