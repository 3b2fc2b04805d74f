package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watchSource is a fakeSource whose pods change under the test's hand.
type watchSource struct {
	fakeSource
	mu      sync.Mutex
	changed chan struct{}
}

func newWatchSource(pods ...v1.Pod) *watchSource {
	return &watchSource{fakeSource: fakeSource{pods: pods}, changed: make(chan struct{})}
}

func (w *watchSource) WatchPods() ([]v1.Pod, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]v1.Pod(nil), w.pods...), w.changed
}

func (w *watchSource) setPods(pods ...v1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pods = pods
	close(w.changed)
	w.changed = make(chan struct{})
}

type watched struct {
	typ string
	pod v1.Pod
}

func TestWatchPods(t *testing.T) {
	a, b := pod("default", "a", "10.0.0.1"), pod("default", "b", "10.0.0.2")
	src := newWatchSource(a)
	ts := httptest.NewServer(New(Config{Logger: testLogger(t)}, src).Handler())
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/pods?watch=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() watched {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		var we metav1.WatchEvent
		if err := json.Unmarshal(lines.Bytes(), &we); err != nil {
			t.Fatalf("decode %q: %v", lines.Text(), err)
		}
		var p v1.Pod
		if err := json.Unmarshal(we.Object.Raw, &p); err != nil {
			t.Fatalf("decode object %s: %v", we.Object.Raw, err)
		}
		return watched{typ: we.Type, pod: p}
	}
	expect := func(typ, name string) v1.Pod {
		t.Helper()
		e := next()
		if e.typ != typ || e.pod.Name != name {
			t.Fatalf("got %s %s, want %s %s", e.typ, e.pod.Name, typ, name)
		}
		return e.pod
	}

	if p := expect("ADDED", "a"); p.Kind != "Pod" || p.Status.PodIP != "10.0.0.1" {
		t.Errorf("initial pod %+v", p)
	}
	if e := next(); e.typ != "BOOKMARK" || e.pod.Annotations[InitialEventsEndAnnotation] != "true" {
		t.Fatalf("initial state not ended by a bookmark: %+v", e)
	}

	src.setPods(a, b)
	expect("ADDED", "b")

	a2 := a
	a2.Status.Phase = v1.PodFailed
	src.setPods(a2, b)
	if p := expect("MODIFIED", "a"); p.Status.Phase != v1.PodFailed {
		t.Errorf("modified pod phase %s", p.Status.Phase)
	}

	src.setPods(a2, b) // no change: no event
	src.setPods(a2)
	expect("DELETED", "b")
}

func TestWatchUnsupported(t *testing.T) {
	s := New(Config{Logger: testLogger(t)}, &fakeSource{})
	if rec := do(t, s.Handler(), http.MethodGet, "/pods?watch=true"); rec.Code != http.StatusNotImplemented {
		t.Errorf("watch on a source that cannot: %d", rec.Code)
	}
	if rec := do(t, s.Handler(), http.MethodGet, "/pods?watch=false"); rec.Code != http.StatusOK {
		t.Errorf("watch=false: %d", rec.Code)
	}
}

// A watch in progress does not hold up the server's shutdown.
func TestWatchEndsOnShutdown(t *testing.T) {
	src := newWatchSource()
	s := New(Config{Port: 0, Logger: testLogger(t)}, src)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	resp, err := http.Get("http://" + s.Addr().String() + "/pods?watch=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() { // the bookmark
		t.Fatal("no bookmark")
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if lines.Scan() {
		t.Errorf("more after shutdown: %q", lines.Text())
	}
}
