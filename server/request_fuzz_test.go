package server

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/logs"
)

// fuzzLog is the log of the fuzz pod's container; fuzzSecret sits in a file beside the pod logs
// that no request may read.
const (
	fuzzLog    = "2026-11-26T00:00:01Z stdout F visible line\n"
	fuzzSecret = "secret-marker"
)

// FuzzAPIRequest parses arbitrary request lines as the HTTP server would and serves them with both
// real handlers over a fake source holding one pod with a log. It checks: no panic and no 500; the
// read-only port answers 2xx only for /pods and /healthz; no answer carries a file other than the
// pod's own log (a marker file beside the logs never leaks); and a successful log read is that
// log's message. A follow request ends once the log is out, as its client has gone.
func FuzzAPIRequest(f *testing.F) {
	for _, target := range []string{
		"/pods", "/pods?watch=true", "/healthz", "/errors", "/metrics", "/pods/default/web/events",
		"/containerLogs/default/web/c", "/containerLogs/default/web/c?tailLines=1&timestamps=true",
		"/containerLogs/default/web/c?follow=true&sinceSeconds=5", "/containerLogs/default/web/c?sinceTime=2026-11-26T00:00:00Z",
		"/containerLogs/default/web/c?previous=1", "/containerLogs/default/web/..%2f..%2fsecret",
		"/containerLogs/default/../web/c", "//containerLogs/default/web/c", "/exec/default/web/c?command=sh",
		"/debug/pprof/", "*", "http://host/pods", "/pods/%zz",
	} {
		f.Add("GET", target, false)
	}
	f.Add("POST", "/exec/default/web/c?command=ls&tty=1&width=99999", true)
	f.Add("HEAD", "/containerLogs/default/web/c?tailLines=-1", false)

	dir := f.TempDir()
	s := New(Config{LogDir: filepath.Join(dir, "pods"), Logger: testLogger(f)}, fuzzSource(f, dir))
	f.Fuzz(func(t *testing.T, method, target string, upgrade bool) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n"
		if upgrade {
			raw += "Connection: Upgrade\r\nUpgrade: minikubelet-exec\r\n"
		}
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
		if err != nil {
			return // the server answers 400 itself before any handler runs
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the client has gone: a follow ends once the log is out
		req = req.WithContext(ctx)

		for _, h := range []struct {
			name     string
			handler  http.Handler
			readOnly bool
		}{{"full", s.Handler(), false}, {"read-only", s.ReadOnlyHandler(), true}} {
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req.Clone(ctx))
			body := rec.Body.String()
			if rec.Code == http.StatusInternalServerError {
				t.Fatalf("%s %s %q: 500 %q", h.name, method, target, body)
			}
			if strings.Contains(body, fuzzSecret) {
				t.Fatalf("%s %s %q: the answer holds a file beside the logs: %q", h.name, method, target, body)
			}
			ok := rec.Code >= 200 && rec.Code < 300
			if h.readOnly && ok && req.URL.Path != "/pods" && req.URL.Path != "/healthz" {
				t.Fatalf("read-only port answers %d to %s %q", rec.Code, method, target)
			}
			if ok && strings.HasPrefix(req.URL.Path, "/containerLogs/") && body != "" && !strings.HasSuffix(body, "visible line\n") {
				t.Fatalf("%s %s %q: log read gives %q", h.name, method, target, body)
			}
		}
	})
}

// fuzzSource is a source with the pod default/web, whose terminated container c has a log, and a
// secret file beside the pod logs.
func fuzzSource(t testing.TB, dir string) *fakeSource {
	t.Helper()
	p := withContainer(pod("default", "web", "10.0.0.2"), "c", func(cs *v1.ContainerStatus) {
		cs.ContainerID = "containerd://a"
		cs.State.Terminated = &v1.ContainerStateTerminated{ContainerID: "containerd://a", ExitCode: 0}
	})
	path := logs.ContainerPath(filepath.Join(dir, "pods"), "default", "web", string(p.UID), "c", 0)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(fuzzLog), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(fuzzSecret), 0o640); err != nil {
		t.Fatal(err)
	}
	return &fakeSource{pods: []v1.Pod{p}}
}
