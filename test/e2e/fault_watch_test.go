package e2e

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
)

// steadyWatch polls /pods in the background and records every moment a watched pod was not as it
// was at the start: gone, not Running, not Ready, another UID, IP or container, or restarted. The
// faults under the agent that must not reach the pods are checked with it.
type steadyWatch struct {
	stop chan struct{}
	done chan struct{}

	mu         sync.Mutex
	polls      int      // guarded by mu
	violations []string // guarded by mu
}

// watchSteady starts polling; want holds the pods as they must stay.
func (a *agent) watchSteady(want []v1.Pod) *steadyWatch {
	w := &steadyWatch{stop: make(chan struct{}), done: make(chan struct{})}
	byName := map[string]v1.Pod{}
	for _, p := range want {
		byName[p.Namespace+"/"+p.Name] = p
	}
	client := a.socketClient()
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(200 * time.Millisecond): // poll interval
			}
			body, code, err := fetch(client, "http://minikubelet/pods")
			if err != nil || code != 200 {
				w.record(fmt.Sprintf("GET /pods: %d %v", code, err))
				continue
			}
			var list v1.PodList
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				w.record(fmt.Sprintf("decode /pods: %v", err))
				continue
			}
			seen := map[string]bool{}
			for i := range list.Items {
				got := &list.Items[i]
				key := got.Namespace + "/" + got.Name
				was, ok := byName[key]
				if !ok {
					continue
				}
				seen[key] = true
				if d := podDrift(&was, got); d != "" {
					w.record(key + ": " + d)
				}
			}
			for key := range byName {
				if !seen[key] {
					w.record(key + ": not listed")
				}
			}
			w.mu.Lock()
			w.polls++
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *steadyWatch) record(v string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) < 20 {
		w.violations = append(w.violations, v)
	}
}

// end stops polling and returns how many polls saw every pod and what drifted.
func (w *steadyWatch) end() (int, []string) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.polls, w.violations
}

// podDrift says how got differs from was in what a fault under the agent must not change.
func podDrift(was, got *v1.Pod) string {
	switch {
	case got.UID != was.UID:
		return fmt.Sprintf("UID %s -> %s", was.UID, got.UID)
	case got.Status.Phase != v1.PodRunning || !condition(got, v1.PodReady):
		return "not Running and Ready: " + describe(got)
	case got.Status.PodIP != was.Status.PodIP:
		return fmt.Sprintf("IP %s -> %s", was.Status.PodIP, got.Status.PodIP)
	case len(got.Status.ContainerStatuses) != len(was.Status.ContainerStatuses):
		return "containers changed: " + describe(got)
	}
	for i, cs := range got.Status.ContainerStatuses {
		old := was.Status.ContainerStatuses[i]
		if cs.ContainerID != old.ContainerID || cs.RestartCount != old.RestartCount {
			return fmt.Sprintf("container %s: %s restarts=%d -> %s restarts=%d", cs.Name, old.ContainerID, old.RestartCount, cs.ContainerID, cs.RestartCount)
		}
	}
	return ""
}
