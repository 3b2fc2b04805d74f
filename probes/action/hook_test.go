package action

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestHook(t *testing.T) {
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("SECRET"))
		}
	}))
	defer srv.Close()
	tgt, port := target(t, srv.Listener.Addr().String())
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	httpGet := func(path string, scheme v1.URIScheme, port int32) v1.LifecycleHandler {
		return v1.LifecycleHandler{HTTPGet: &v1.HTTPGetAction{Path: path, Scheme: scheme, Port: intstr.FromInt32(port)}}
	}
	tests := []struct {
		name    string
		ctx     context.Context
		hook    v1.LifecycleHandler
		exec    *fakeExec
		wantErr string // "" for success
	}{
		{name: "exec ok", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}, exec: &fakeExec{}},
		{name: "exec fails without its output", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"false"}}},
			exec: &fakeExec{out: "SECRET", code: 2}, wantErr: "exec hook exited with code 2"},
		{name: "exec times out", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"sleep", "9"}}},
			exec: &fakeExec{out: "SECRET", err: fmt.Errorf("%w after 1s", ErrExecTimeout)}, wantErr: "exec hook: command timed out"},
		{name: "exec without an Execer", hook: v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}, wantErr: "no way to exec"},
		{name: "http ok", hook: httpGet("/", "", port)},
		{name: "http 500 still succeeds, as in kubelet", hook: httpGet("/fail", "", port)},
		{name: "https answered in http: retried over http", hook: httpGet("/", v1.URISchemeHTTPS, port)},
		{name: "http, nothing listening", hook: httpGet("/", "", closedPort(t)), wantErr: "connection refused"},
		{name: "sleep 0", hook: v1.LifecycleHandler{Sleep: &v1.SleepAction{Seconds: 0}}},
		{name: "sleep ends with ctx", ctx: cancelled, hook: v1.LifecycleHandler{Sleep: &v1.SleepAction{Seconds: 3600}}, wantErr: "context canceled"},
		{name: "tcpSocket is not run and fails", hook: v1.LifecycleHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(port)}},
			wantErr: "tcpSocket is not supported"},
		{name: "no action", wantErr: "no action"},
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
	if gotUA != "kube-lifecycle/1.34" {
		t.Errorf("hook User-Agent %q, want kube-lifecycle/1.34", gotUA)
	}
}

func TestHookSleepCancelledMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Hook(ctx, &v1.LifecycleHandler{Sleep: &v1.SleepAction{Seconds: 3600}}, Target{}) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Hook = %v, want it to wrap context.Canceled", err)
	}
}
