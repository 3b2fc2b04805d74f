package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podWatch follows GET /pods?watch=true on the agent's socket. It checks every update against the
// invariants a pod's status keeps whatever happens to it (kubelet's e2e podStartVerifier checks
// the same): a pod never leaves Succeeded or Failed, is never Ready while terminating, and no
// container's restartCount goes down. A pod Running and Ready has a pod IP. It also notes when
// each pod was first Running and Ready.
type podWatch struct {
	a      *agent
	ctx    context.Context // ends the stream
	cancel context.CancelFunc
	done   chan struct{} // closed when the stream has been read to its end

	mu         sync.Mutex // guards the fields below
	byUID      map[types.UID]*podHistory
	byName     map[string]*podHistory // namespace/name -> its latest pod
	violations []string
	updates    int
	streamErr  error
}

// podHistory is what the watch has seen of one pod (one UID).
type podHistory struct {
	key         string // namespace/name
	terminal    v1.PodPhase
	terminating bool
	restarts    map[string]int32 // "init/NAME" or "NAME" -> highest restartCount seen
	seen        time.Time        // first update
	readyAt     time.Time        // first update Running and Ready; zero if never
	deleted     bool
}

// watchPods opens the watch and returns once its initial state has been read.
func (a *agent) watchPods() *podWatch {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &podWatch{a: a, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		byUID: map[types.UID]*podHistory{}, byName: map[string]*podHistory{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://minikubelet/pods?watch=true", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	resp, err := a.socketClient().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		a.t.Fatalf("GET /pods?watch=true: %v %v", resp, err)
	}
	synced := make(chan struct{})
	go w.read(resp, synced)
	a.t.Cleanup(w.stop)
	select {
	case <-synced:
	case <-w.done:
		a.t.Fatalf("the pod watch ended before its initial state: %v", w.err())
	case <-time.After(waitTimeout):
		a.t.Fatal("no bookmark on the pod watch")
	}
	return w
}

// read decodes the stream until it ends; it closes synced at the bookmark that ends the initial
// state.
func (w *podWatch) read(resp *http.Response, synced chan struct{}) {
	defer close(w.done)
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev metav1.WatchEvent
		if err := dec.Decode(&ev); err != nil {
			if w.ctx.Err() != nil {
				return // stopped by the test
			}
			w.mu.Lock()
			w.streamErr = fmt.Errorf("decode pod watch event: %w", err)
			w.mu.Unlock()
			return
		}
		if ev.Type == "BOOKMARK" {
			close(synced)
			continue
		}
		var p v1.Pod
		if err := json.Unmarshal(ev.Object.Raw, &p); err != nil {
			w.mu.Lock()
			w.streamErr = fmt.Errorf("decode pod in %s event: %w", ev.Type, err)
			w.mu.Unlock()
			return
		}
		w.observe(ev.Type, &p, time.Now())
	}
}

// observe checks one update against the pod's history, then adds it.
func (w *podWatch) observe(eventType string, p *v1.Pod, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updates++
	h := w.byUID[p.UID]
	if h == nil {
		h = &podHistory{key: p.Namespace + "/" + p.Name, restarts: map[string]int32{}, seen: at}
		w.byUID[p.UID] = h
		w.byName[h.key] = h
	}
	bad := func(format string, args ...any) {
		w.violations = append(w.violations, fmt.Sprintf("%s (uid %s) %s: ", h.key, p.UID, eventType)+
			fmt.Sprintf(format, args...)+"; "+describe(p))
	}
	if eventType == "DELETED" {
		h.deleted = true
		return
	}
	if h.deleted {
		bad("an update after the pod was deleted")
	}
	ready := condition(p, v1.PodReady)
	if h.terminal != "" && p.Status.Phase != h.terminal {
		bad("phase %s after %s", p.Status.Phase, h.terminal)
	}
	if p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed {
		h.terminal = p.Status.Phase
		if ready {
			bad("Ready in phase %s", p.Status.Phase)
		}
	}
	if p.DeletionTimestamp != nil {
		h.terminating = true
	} else if h.terminating {
		bad("no longer terminating")
	}
	if h.terminating && ready {
		bad("Ready while terminating")
	}
	for prefix, list := range map[string][]v1.ContainerStatus{"init/": p.Status.InitContainerStatuses, "": p.Status.ContainerStatuses} {
		for _, cs := range list {
			name := prefix + cs.Name
			if was, ok := h.restarts[name]; ok && cs.RestartCount < was {
				bad("container %s restartCount %d after %d", name, cs.RestartCount, was)
			}
			h.restarts[name] = max(h.restarts[name], cs.RestartCount)
		}
	}
	if p.Status.Phase == v1.PodRunning && ready && !p.Spec.HostNetwork && p.Status.PodIP == "" {
		bad("Running and Ready without a pod IP")
	}
	if h.readyAt.IsZero() && p.Status.Phase == v1.PodRunning && ready {
		h.readyAt = at
	}
}

// readyAt is when the latest pod of that name was first seen Running and Ready.
func (w *podWatch) readyAt(namespace, name string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.byName[namespace+"/"+name]
	if h == nil || h.readyAt.IsZero() {
		return time.Time{}, false
	}
	return h.readyAt, true
}

// watchSummary is what the watch saw in all.
type watchSummary struct {
	updates, pods, ready, finished, deleted int
	violations                              []string
}

func (w *podWatch) summary() watchSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := watchSummary{updates: w.updates, pods: len(w.byUID), violations: append([]string(nil), w.violations...)}
	for _, h := range w.byUID {
		if !h.readyAt.IsZero() {
			s.ready++
		}
		if h.terminal != "" {
			s.finished++
		}
		if h.deleted {
			s.deleted++
		}
	}
	return s
}

func (w *podWatch) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.streamErr
}

// assertInvariants ends the watch (its connection is the agent's too, and would be counted in a
// census), then fails the test with every update that broke an invariant, and if the stream
// broke before the test ended it.
func (w *podWatch) assertInvariants() watchSummary {
	w.a.t.Helper()
	w.stop()
	s := w.summary()
	for _, v := range s.violations {
		w.a.t.Errorf("pod watch: %s", v)
	}
	if err := w.err(); err != nil {
		w.a.t.Errorf("the pod watch ended early: %v", err)
	}
	return s
}

// stop ends the stream and waits for its reader.
func (w *podWatch) stop() {
	w.cancel()
	<-w.done
}

// deleted tells whether the latest pod of that name has been deleted from /pods.
func (w *podWatch) deleted(namespace, name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.byName[namespace+"/"+name]
	return h != nil && h.deleted
}
