package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// PodWatcher is what a Source offers to serve GET /pods?watch=true.
type PodWatcher interface {
	// WatchPods returns copies of every pod and a channel closed at the next change after them.
	WatchPods() ([]v1.Pod, <-chan struct{})
}

// InitialEventsEndAnnotation marks the BOOKMARK event that ends the initial ADDED events, as the
// Kubernetes API server marks it for sendInitialEvents watches.
const InitialEventsEndAnnotation = "k8s.io/initial-events-end"

// isWatch tells whether a request asks for a watch (?watch=true, ?watch=1 or a bare ?watch).
func isWatch(r *http.Request) bool {
	q := r.URL.Query()
	if !q.Has("watch") {
		return false
	}
	switch q.Get("watch") {
	case "", "true", "1":
		return true
	}
	return false
}

// watchPods streams pod changes as newline-delimited metav1.WatchEvent JSON, the Kubernetes
// watch wire format: an ADDED event per pod, a BOOKMARK ending that initial state, then ADDED,
// MODIFIED and DELETED events as the status store changes. Changes that come close together are
// sent as one batch; nothing polls. The stream ends when the client goes or the server stops.
func (s *Server) watchPods(w http.ResponseWriter, r *http.Request, src PodWatcher) {
	rc := http.NewResponseController(w)
	// A watch outlives the server's write timeout.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		s.log.Debug("watch: cannot lift the write deadline", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)

	send := func(eventType watch.EventType, obj runtime.Object) bool {
		raw, err := json.Marshal(obj)
		if err != nil {
			s.log.Error("watch: encode object", "err", err)
			return false
		}
		return enc.Encode(metav1.WatchEvent{Type: string(eventType), Object: runtime.RawExtension{Raw: raw}}) == nil
	}

	sent := map[types.UID]*v1.Pod{}
	pods, changed := src.WatchPods()
	for i := range pods {
		p := withPodKind(&pods[i])
		if !send(watch.Added, p) {
			return
		}
		sent[p.UID] = p
	}
	bookmark := &v1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{InitialEventsEndAnnotation: "true"}}}
	if !send(watch.Bookmark, bookmark) || rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case <-changed:
		}
		pods, changed = src.WatchPods()
		now := map[types.UID]bool{}
		for i := range pods {
			p := withPodKind(&pods[i])
			now[p.UID] = true
			old, ok := sent[p.UID]
			switch {
			case !ok:
				if !send(watch.Added, p) {
					return
				}
			case !equality.Semantic.DeepEqual(old, p):
				if !send(watch.Modified, p) {
					return
				}
			}
			sent[p.UID] = p
		}
		for uid, p := range sent {
			if !now[uid] {
				if !send(watch.Deleted, p) {
					return
				}
				delete(sent, uid)
			}
		}
		if err := rc.Flush(); err != nil {
			s.log.Debug("watch: flush", "err", fmt.Errorf("flush watch of pods: %w", err))
			return
		}
	}
}

// withPodKind sets the Pod type meta that watch event objects carry.
func withPodKind(p *v1.Pod) *v1.Pod {
	p.TypeMeta = metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}
	return p
}
