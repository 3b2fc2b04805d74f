package probes

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes/action"
)

// Kind is which of a container's probes.
type Kind string

const (
	Liveness  Kind = "liveness"
	Readiness Kind = "readiness"
	Startup   Kind = "startup"
)

// Initial is a probe's result before it has counted.
func Initial(k Kind) action.Result {
	switch k {
	case Liveness:
		return action.Success
	case Readiness:
		return action.Failure
	default:
		return action.Unknown
	}
}

type resultKey struct {
	containerID string
	kind        Kind
}

// results caches the counted result of each probe, per container instance (ID), so a replaced
// container starts from the initial results.
type results struct {
	mu    sync.RWMutex
	byKey map[resultKey]action.Result // guarded by mu
	pods  map[types.UID]map[resultKey]bool
}

func newResults() *results {
	return &results{byKey: map[resultKey]action.Result{}, pods: map[types.UID]map[resultKey]bool{}}
}

// set stores a result and reports whether it changed what a reader sees (a first result equal to
// the initial one changes nothing).
func (r *results) set(uid types.UID, k resultKey, v action.Result) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.byKey[k]
	if ok && old == v {
		return false
	}
	r.byKey[k] = v
	if r.pods[uid] == nil {
		r.pods[uid] = map[resultKey]bool{}
	}
	r.pods[uid][k] = true
	if !ok {
		return v != Initial(k.kind)
	}
	return true
}

func (r *results) get(k resultKey) (action.Result, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.byKey[k]
	return v, ok
}

func (r *results) forgetPod(uid types.UID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.pods[uid] {
		delete(r.byKey, k)
	}
	delete(r.pods, uid)
}

// forgetOthers drops the pod's results for container instances not in keep.
func (r *results) forgetOthers(uid types.UID, keep map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.pods[uid] {
		if !keep[k.containerID] {
			delete(r.byKey, k)
			delete(r.pods[uid], k)
		}
	}
}

func (r *results) ofPod(uid types.UID) map[resultKey]action.Result {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[resultKey]action.Result{}
	for k := range r.pods[uid] {
		out[k] = r.byKey[k]
	}
	return out
}
