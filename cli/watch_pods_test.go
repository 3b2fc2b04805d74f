package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// watchedAgent is an agentSource whose pods the test changes while a watch runs.
type watchedAgent struct {
	agentSource
	mu      sync.Mutex // guards agentSource.pods and changed
	changed chan struct{}
}

func (w *watchedAgent) WatchPods() ([]v1.Pod, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agentSource.Pods(), w.changed
}

func (w *watchedAgent) set(pods ...v1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pods = pods
	close(w.changed)
	w.changed = make(chan struct{})
}

func TestGetPodsWatch(t *testing.T) {
	web := runningPod("default", "web", "10.88.0.2", time.Minute)
	web.UID = "uid-web"
	other := runningPod("kube-system", "dns", "10.88.0.3", time.Minute)
	other.UID = "uid-dns"
	src := &watchedAgent{agentSource: agentSource{pods: []v1.Pod{web, other}}, changed: make(chan struct{})}
	client := serveAgent(t, src)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var errOut bytes.Buffer
	go func() {
		done <- GetPods(ctx, client, GetPodsOptions{Watch: true, Now: testNow}, pw, &errOut)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	next := func() string {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("output ended: %v", lines.Err())
		}
		return strings.Join(strings.Fields(lines.Text()), " ")
	}
	if got := next(); got != "NAME READY STATUS RESTARTS AGE" {
		t.Fatalf("header %q", got)
	}
	if got := next(); got != "web 1/1 Running 0 60s" {
		t.Fatalf("initial row %q", got)
	}

	// A change in another namespace prints nothing; one in ours prints a row, no header.
	dnsDown := other
	dnsDown.Status.ContainerStatuses = []v1.ContainerStatus{{Name: "c", State: waiting("CrashLoopBackOff")}}
	src.set(web, dnsDown)
	crashing := crashingPod()
	crashing.Name, crashing.UID = "web", web.UID
	src.set(crashing, dnsDown)
	if got := next(); !strings.HasPrefix(got, "web 0/1 CrashLoopBackOff 7 (") {
		t.Fatalf("changed row %q", got)
	}
	src.set(dnsDown)
	if got := next(); !strings.HasPrefix(got, "web 0/1 CrashLoopBackOff 7") {
		t.Fatalf("deleted pod's row %q", got)
	}

	cancel()
	go io.Copy(io.Discard, pr) // a pipe's writer waits for a reader, even to write nothing
	if err := <-done; err != nil {
		t.Errorf("GetPods -w after the context ended: %v", err)
	}
}

func TestGetPodsWatchEmpty(t *testing.T) {
	src := &watchedAgent{changed: make(chan struct{})}
	client := serveAgent(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- GetPods(ctx, client, GetPodsOptions{Watch: true, Output: "name", Namespace: "apps", Now: testNow}, pw, &errOut)
		pw.Close()
	}()
	src.set(runningPod("apps", "late", "10.88.0.5", 0))
	lines := bufio.NewScanner(pr)
	if !lines.Scan() || lines.Text() != "pod/late" {
		t.Fatalf("first line %q", lines.Text())
	}
	cancel()
	go io.Copy(io.Discard, pr)
	<-done
	if got := errOut.String(); got != "" {
		t.Errorf("-o name printed %q to stderr", got)
	}
}

// syncBuffer is a bytes.Buffer safe to write from the watch's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
