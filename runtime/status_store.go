package runtime

import (
	"sort"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
)

// statusStore is the one place pod status is written: pod workers put their pod's status here, the
// manager puts the status of pods it has not admitted, and the API reads copies. Watchers learn of
// changes through a channel closed at each one (a broadcast that needs no list of subscribers).
type statusStore struct {
	mu      sync.RWMutex
	pods    map[types.UID]*v1.Pod // guarded by mu; values are never mutated after insertion
	changed chan struct{}         // guarded by mu; closed and replaced when pods change
}

func newStatusStore() *statusStore {
	return &statusStore{pods: map[types.UID]*v1.Pod{}, changed: make(chan struct{})}
}

// set stores a copy of pod; storing what is there already changes nothing.
func (s *statusStore) set(pod *v1.Pod) {
	c := pod.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.pods[pod.UID]; ok && equality.Semantic.DeepEqual(old, c) {
		return
	}
	s.pods[pod.UID] = c
	s.notifyLocked()
}

// notifyLocked wakes every watcher; s.mu must be held for writing.
func (s *statusStore) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// watch returns copies of every pod and a channel closed at the next change after them.
func (s *statusStore) watch() ([]v1.Pod, <-chan struct{}) {
	s.mu.RLock()
	ch := s.changed
	s.mu.RUnlock()
	// Listed after taking the channel: a change in between closes ch, and the watcher lists again.
	return s.list(), ch
}

// get returns a copy of the stored pod.
func (s *statusStore) get(uid types.UID) (*v1.Pod, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pods[uid]
	if !ok {
		return nil, false
	}
	return p.DeepCopy(), true
}

func (s *statusStore) delete(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pods[uid]; !ok {
		return
	}
	delete(s.pods, uid)
	s.notifyLocked()
}

// list returns copies of every pod, by namespace then name (then UID).
func (s *statusStore) list() []v1.Pod {
	s.mu.RLock()
	out := make([]v1.Pod, 0, len(s.pods))
	for _, p := range s.pods {
		out = append(out, *p.DeepCopy())
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.UID < b.UID
	})
	return out
}
