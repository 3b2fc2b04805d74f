package action

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// target returns a Target for a server at addr ("127.0.0.1:PORT") and the port.
func target(t *testing.T, addr string) (Target, int32) {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	c := &v1.Container{Ports: []v1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	return Target{PodIP: host, Container: c}, int32(port)
}

func TestHTTPProbe(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer other.Close()
	otherURL, _ := url.Parse(other.URL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(strings.Repeat("x", 1<<20)))
		case "/missing":
			http.NotFound(w, r)
		case "/moved":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/away":
			http.Redirect(w, r, "http://localhost:"+otherURL.Port()+"/", http.StatusFound)
		case "/header":
			if r.Header.Get("X-Token") != "t" || r.Host != "example.test" || !strings.HasPrefix(r.UserAgent(), "kube-probe/") {
				w.WriteHeader(http.StatusBadRequest)
			}
		case "/slow":
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	tgt, port := target(t, srv.Listener.Addr().String())
	tests := []struct {
		name    string
		get     v1.HTTPGetAction
		want    Result
		message string
	}{
		{name: "200 with a large body", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(port)}, want: Success},
		{name: "404", get: v1.HTTPGetAction{Path: "/missing", Port: intstr.FromInt32(port)}, want: Failure, message: "HTTP probe failed with statuscode: 404"},
		{name: "redirect on the same host followed", get: v1.HTTPGetAction{Path: "/moved", Port: intstr.FromInt32(port)}, want: Success},
		{name: "redirect to another host: success with a warning", get: v1.HTTPGetAction{Path: "/away", Port: intstr.FromInt32(port)}, want: Success, message: "Probe terminated redirects"},
		{name: "named port and headers", get: v1.HTTPGetAction{Path: "/header", Port: intstr.FromString("web"),
			HTTPHeaders: []v1.HTTPHeader{{Name: "X-Token", Value: "t"}, {Name: "Host", Value: "example.test"}}}, want: Success},
		{name: "unknown named port", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromString("nope")}, want: Unknown, message: `no container port named "nope"`},
		{name: "timeout", get: v1.HTTPGetAction{Path: "/slow", Port: intstr.FromInt32(port)}, want: Failure, message: "context deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &tc.get}, TimeoutSeconds: 1}
			got, msg := Probe(context.Background(), p, tgt)
			if got != tc.want || !strings.Contains(msg, tc.message) {
				t.Errorf("Probe = %s %q, want %s containing %q", got, msg, tc.want, tc.message)
			}
		})
	}
}

func TestTCPProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tgt, port := target(t, l.Addr().String())
	open := &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(port)}}}
	if got, msg := Probe(context.Background(), open, tgt); got != Success {
		t.Errorf("listening port: %s %q", got, msg)
	}
	l.Close()
	if got, msg := Probe(context.Background(), open, tgt); got != Failure || !strings.Contains(msg, "connection refused") {
		t.Errorf("closed port: %s %q", got, msg)
	}
}

func TestGRPCProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("sick", healthpb.HealthCheckResponse_NOT_SERVING)
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(l)
	defer srv.Stop()
	tgt, port := target(t, l.Addr().String())
	sick, unknown := "sick", "unknown"
	tests := []struct {
		name    string
		service *string
		port    int32
		want    Result
		message string
	}{
		{name: "serving", port: port, want: Success},
		{name: "not serving", service: &sick, port: port, want: Failure, message: `service unhealthy (responded with "NOT_SERVING")`},
		{name: "unknown service", service: &unknown, port: port, want: Failure, message: "NotFound"},
		{name: "nothing listening", port: freePort(t), want: Failure, message: "failed to connect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: tc.port, Service: tc.service}}, TimeoutSeconds: 1}
			got, msg := Probe(context.Background(), p, tgt)
			if got != tc.want || !strings.Contains(msg, tc.message) {
				t.Errorf("Probe = %s %q, want %s containing %q", got, msg, tc.want, tc.message)
			}
		})
	}
}

func freePort(t *testing.T) int32 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}

// fakeExec answers exec calls with a fixed output, exit code and error.
type fakeExec struct {
	out  string
	code int
	err  error
	got  []string
}

func (f *fakeExec) ExecSync(_ context.Context, _ string, cmd []string, _ time.Duration) ([]byte, int, error) {
	f.got = cmd
	return []byte(f.out), f.code, f.err
}

func TestExecProbe(t *testing.T) {
	tests := []struct {
		name    string
		exec    fakeExec
		want    Result
		message string
	}{
		{name: "exit 0", exec: fakeExec{out: "fine"}, want: Success},
		{name: "exit 1 with output", exec: fakeExec{out: "cat: can't open '/tmp/healthy'\n", code: 1}, want: Failure, message: "cat: can't open '/tmp/healthy'"},
		{name: "timeout", exec: fakeExec{err: fmt.Errorf("%w after 1s", ErrExecTimeout)}, want: Failure, message: "command timed out"},
		{name: "could not exec", exec: fakeExec{err: fmt.Errorf("container gone")}, want: Unknown, message: "container gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}}
			got, msg := Probe(context.Background(), p, Target{ContainerID: "c", Exec: &tc.exec})
			if got != tc.want || msg != tc.message {
				t.Errorf("Probe = %s %q, want %s %q", got, msg, tc.want, tc.message)
			}
		})
	}
}

func TestHooks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("SECRET"))
		}
	}))
	defer srv.Close()
	tgt, port := target(t, srv.Listener.Addr().String())
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		hook    v1.LifecycleHandler
		exec    *fakeExec
		wantErr string // "" for success
	}{
		{name: "exec ok", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}, exec: &fakeExec{}},
		{name: "exec fails without leaking its output", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"false"}}},
			exec: &fakeExec{out: "SECRET", code: 2}, wantErr: "exec hook exited with code 2"},
		{name: "http ok", hook: v1.LifecycleHandler{HTTPGet: &v1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(port)}}},
		{name: "http 500 without the body", hook: v1.LifecycleHandler{HTTPGet: &v1.HTTPGetAction{Path: "/fail", Port: intstr.FromInt32(port)}},
			wantErr: "HTTP hook failed with statuscode: 500"},
		{name: "sleep ends with ctx", ctx: cancelled, hook: v1.LifecycleHandler{Sleep: &v1.SleepAction{Seconds: 3600}}, wantErr: "context canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			target := tgt
			if tc.exec != nil {
				target.Exec = tc.exec
			}
			err := Hook(ctx, &tc.hook, target)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Hook: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Hook = %v, want %q", err, tc.wantErr)
			case err != nil && strings.Contains(err.Error(), "SECRET"):
				t.Errorf("hook output in the error: %v", err)
			}
		})
	}
}
