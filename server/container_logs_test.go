package server

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/minikubelet/minikubelet/logs"
)

// withContainer gives a pod one container status built by mutate.
func withContainer(p v1.Pod, name string, mutate func(*v1.ContainerStatus)) v1.Pod {
	cs := v1.ContainerStatus{Name: name}
	mutate(&cs)
	p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, cs)
	return p
}

func TestLogTarget(t *testing.T) {
	running := &v1.ContainerStateRunning{}
	term := func(id string) *v1.ContainerStateTerminated {
		return &v1.ContainerStateTerminated{ContainerID: id, ExitCode: 1}
	}
	tests := []struct {
		name     string
		status   func(*v1.ContainerStatus)
		previous bool
		want     logInstance
		wantErr  string
	}{
		{name: "running", status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.RestartCount, cs.State.Running = "containerd://b", 1, running
			cs.LastTerminationState.Terminated = term("containerd://a")
		}, want: logInstance{containerID: "containerd://b", attempt: 1}},
		{name: "previous of a running one", previous: true, status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.RestartCount, cs.State.Running = "containerd://b", 1, running
			cs.LastTerminationState.Terminated = term("containerd://a")
		}, want: logInstance{containerID: "containerd://a", attempt: 0}},
		{name: "previous while it waits to restart is the one that ended", previous: true, status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.RestartCount = "containerd://b", 1
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
			cs.LastTerminationState.Terminated = term("containerd://b")
		}, want: logInstance{containerID: "containerd://b", attempt: 1}},
		{name: "current while it waits to restart", status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.RestartCount = "containerd://b", 1
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
			cs.LastTerminationState.Terminated = term("containerd://b")
		}, want: logInstance{containerID: "containerd://b", attempt: 1}},
		{name: "terminated", status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.RestartCount, cs.State.Terminated = "containerd://a", 0, term("containerd://a")
		}, want: logInstance{containerID: "containerd://a", attempt: 0}},
		{name: "no previous", previous: true, status: func(cs *v1.ContainerStatus) {
			cs.ContainerID, cs.State.Running = "containerd://a", running
		}, wantErr: `previous terminated container "main" in pod "web" not found`},
		{name: "image pull", status: func(cs *v1.ContainerStatus) {
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "ImagePullBackOff"}
		}, wantErr: `container "main" in pod "web" is waiting to start: trying and failing to pull image`},
		{name: "creating", status: func(cs *v1.ContainerStatus) {
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}, wantErr: `container "main" in pod "web" is waiting to start: ContainerCreating`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := withContainer(pod("default", "web", "10.0.0.2"), "main", tc.status)
			got, err := logTarget(&p, "main", tc.previous)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("logTarget = %+v, %v, want %+v", got, err, tc.want)
			}
		})
	}
	p := pod("default", "web", "10.0.0.2")
	if _, err := logTarget(&p, "nope", false); err == nil || !strings.Contains(err.Error(), `container "nope" not found in pod "web"`) {
		t.Errorf("missing container: %v", err)
	}
}

func TestParseLogQuery(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	q, err := parseLogQuery(url.Values{"follow": {"true"}, "previous": {"1"}, "timestamps": {"true"}, "tailLines": {"7"}, "sinceSeconds": {"60"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !q.read.Follow || !q.previous || !q.read.Timestamps || q.read.TailLines != 7 || !q.read.Since.Equal(now.Add(-time.Minute)) {
		t.Errorf("parsed %+v", q)
	}
	if q, _ := parseLogQuery(url.Values{}, now); q.read.TailLines != -1 || !q.read.Since.IsZero() || q.read.Follow {
		t.Errorf("defaults %+v", q)
	}
	for _, bad := range []url.Values{{"tailLines": {"-1"}}, {"sinceSeconds": {"0"}}, {"follow": {"maybe"}},
		{"sinceSeconds": {"5"}, "sinceTime": {"2026-11-26T00:00:00Z"}}} {
		if _, err := parseLogQuery(bad, now); err == nil {
			t.Errorf("parseLogQuery(%v) succeeded", bad)
		}
	}
}

func TestContainerLogsEndpoint(t *testing.T) {
	dir := t.TempDir()
	p := withContainer(pod("default", "web", "10.0.0.2"), "main", func(cs *v1.ContainerStatus) {
		cs.ContainerID, cs.RestartCount = "containerd://b", 1
		cs.State.Terminated = &v1.ContainerStateTerminated{ContainerID: "containerd://b", FinishedAt: metav1.Now()}
		cs.LastTerminationState.Terminated = &v1.ContainerStateTerminated{ContainerID: "containerd://a"}
	})
	write := func(attempt int, text string) {
		path := logs.ContainerPath(dir, "default", "web", string(p.UID), "main", attempt)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		line := "2026-11-26T00:00:00Z stdout F " + text + "\n"
		if err := os.WriteFile(path, []byte(line), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write(0, "first run")
	write(1, "second run")
	s := New(Config{Logger: testLogger(t), LogDir: dir}, &fakeSource{pods: []v1.Pod{p}})
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/containerLogs/default/web/main", 200, "second run\n"},
		{"/containerLogs/default/web/main?previous=true", 200, "first run\n"},
		// A stopped container ends a follow at once.
		{"/containerLogs/default/web/main?follow=true&timestamps=true", 200, "2026-11-26T00:00:00Z second run\n"},
		{"/containerLogs/default/web/nope", 404, `container "nope" not found in pod "web"`},
		{"/containerLogs/default/other/main", 404, `pod "default/other" does not exist`},
		{"/containerLogs/default/web/main?tailLines=x", 400, "tailLines"},
	}
	for _, tc := range tests {
		rec := do(t, s.Handler(), http.MethodGet, tc.path)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
	}
}

func TestReadOnlyPortServesOnlyKubeletsReadOnlyEndpoints(t *testing.T) {
	s := New(Config{Logger: testLogger(t), Profiling: true}, &fakeSource{pods: []v1.Pod{pod("default", "web", "10.0.0.2")}})
	for _, path := range []string{"/pods", "/healthz"} {
		if rec := do(t, s.ReadOnlyHandler(), http.MethodGet, path); rec.Code != 200 {
			t.Errorf("read-only GET %s = %d, want 200", path, rec.Code)
		}
	}
	for _, path := range []string{"/pods/default/web/events", "/errors", "/containerLogs/default/web/c", "/debug/pprof/"} {
		if rec := do(t, s.ReadOnlyHandler(), http.MethodGet, path); rec.Code != 404 {
			t.Errorf("read-only GET %s = %d, want 404", path, rec.Code)
		}
		if rec := do(t, s.Handler(), http.MethodGet, path); rec.Code == 404 && path != "/containerLogs/default/web/c" {
			t.Errorf("socket GET %s = 404", path)
		}
	}
	if rec := do(t, s.ReadOnlyHandler(), http.MethodPost, "/exec/default/web/c"); rec.Code != 404 {
		t.Errorf("read-only POST /exec = %d, want 404", rec.Code)
	}
}
