package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podGuard watches /pods?watch=true and records every moment a guarded pod is not as it was:
// another UID or container, a restart, not Ready, terminating, deleted. It also records the
// names of pods that are not guarded. A watch sees every status the agent publishes, so a
// brief flip cannot slip between two polls.
type podGuard struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex // guards the fields below
	events   int
	problems []string
	others   []string
	err      error
}

// guardPods starts watching; the pods must be Running and Ready now.
func (a *agent) guardPods(pods ...*v1.Pod) *podGuard {
	a.t.Helper()
	guarded := map[types.UID]*v1.Pod{}
	for _, p := range pods {
		guarded[p.UID] = p
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &podGuard{cancel: cancel, done: make(chan struct{})}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://minikubelet/pods?watch=true", nil)
	if err != nil {
		a.t.Fatal(err)
	}
	resp, err := a.socketClient().Do(req)
	if err != nil {
		a.t.Fatalf("watch /pods: %v", err)
	}
	go func() {
		defer close(g.done)
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		for {
			var ev metav1.WatchEvent
			if err := dec.Decode(&ev); err != nil {
				if ctx.Err() == nil {
					g.fail(fmt.Errorf("watch /pods ended: %w", err))
				}
				return
			}
			if ev.Type == "BOOKMARK" {
				continue
			}
			var p v1.Pod
			if err := json.Unmarshal(ev.Object.Raw, &p); err != nil {
				g.fail(fmt.Errorf("decode a watch event: %w", err))
				return
			}
			g.check(ev.Type, &p, guarded)
		}
	}()
	return g
}

func (g *podGuard) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
}

func (g *podGuard) check(eventType string, p *v1.Pod, guarded map[types.UID]*v1.Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events++
	was, ok := guarded[p.UID]
	if !ok {
		name := p.Namespace + "/" + p.Name
		if !slices.Contains(g.others, name) {
			g.others = append(g.others, name)
		}
		return
	}
	if problem := untouched(was, p, eventType); problem != "" {
		g.problems = append(g.problems, problem)
	}
}

// untouched says how now differs from was, a Running and Ready pod, or "" when it does not.
func untouched(was, now *v1.Pod, eventType string) string {
	name := now.Namespace + "/" + now.Name
	switch {
	case eventType == "DELETED":
		return name + " deleted"
	case now.DeletionTimestamp != nil:
		return name + " terminating"
	case now.Status.Phase != v1.PodRunning || !condition(now, v1.PodReady):
		return fmt.Sprintf("%s not Running and Ready: %s", name, describe(now))
	case len(now.Status.ContainerStatuses) != len(was.Status.ContainerStatuses):
		return fmt.Sprintf("%s has %d containers, had %d", name, len(now.Status.ContainerStatuses), len(was.Status.ContainerStatuses))
	}
	for i, cs := range now.Status.ContainerStatuses {
		if cs.ContainerID != was.Status.ContainerStatuses[i].ContainerID || cs.RestartCount != 0 {
			return fmt.Sprintf("%s container %s is %s (restarts %d), was %s", name, cs.Name, cs.ContainerID, cs.RestartCount, was.Status.ContainerStatuses[i].ContainerID)
		}
	}
	return ""
}

// stop ends the watch and returns what it saw: the number of events, the problems of guarded
// pods, the other pods seen, and an error if the watch broke before stop.
func (g *podGuard) stop() (events int, problems, others []string, err error) {
	g.cancel()
	<-g.done
	g.mu.Lock()
	defer g.mu.Unlock()
	if errors.Is(g.err, context.Canceled) {
		g.err = nil
	}
	return g.events, g.problems, g.others, g.err
}
