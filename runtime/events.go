package runtime

import (
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxEventsPerPod bounds the events kept per pod; the oldest go first.
const maxEventsPerPod = 64

// eventLog keeps each pod's recent events as v1.Event objects, kubectl's shape. An event equal to
// an earlier one of the pod (same object, type, reason and message) bumps its count and last time,
// as the API server's event correlator does.
type eventLog struct {
	node string
	mu   sync.Mutex
	pods map[types.UID][]v1.Event // guarded by mu; oldest first
}

func newEventLog(node string) *eventLog {
	return &eventLog{node: node, pods: map[types.UID][]v1.Event{}}
}

// record adds an event about the pod, or about one of its containers when container is set.
func (l *eventLog) record(pod *v1.Pod, container, eventType, reason, message string, now time.Time) {
	ref := v1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}
	if container != "" {
		ref.FieldPath = containerFieldPath(pod, container)
	}
	ts := metav1.NewTime(now)
	l.mu.Lock()
	defer l.mu.Unlock()
	events := l.pods[pod.UID]
	for i := range events {
		e := &events[i]
		if e.InvolvedObject.FieldPath == ref.FieldPath && e.Type == eventType && e.Reason == reason && e.Message == message {
			e.Count++
			e.LastTimestamp = ts
			// Keep the list ordered by last occurrence.
			moved := *e
			events = append(append(events[:i:i], events[i+1:]...), moved)
			l.pods[pod.UID] = events
			return
		}
	}
	events = append(events, v1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, now.UnixNano()), Namespace: pod.Namespace},
		InvolvedObject: ref,
		Reason:         reason,
		Message:        message,
		Source:         v1.EventSource{Component: "kubelet", Host: l.node},
		FirstTimestamp: ts,
		LastTimestamp:  ts,
		Count:          1,
		Type:           eventType,
	})
	if len(events) > maxEventsPerPod {
		events = events[len(events)-maxEventsPerPod:]
	}
	l.pods[pod.UID] = events
}

// list returns a copy of the pod's events, oldest first.
func (l *eventLog) list(uid types.UID) []v1.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]v1.Event, len(l.pods[uid]))
	copy(out, l.pods[uid])
	return out
}

func (l *eventLog) forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pods, uid)
}

// containerFieldPath is kubectl's way of naming a container within a pod.
func containerFieldPath(pod *v1.Pod, name string) string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return fmt.Sprintf("spec.initContainers{%s}", name)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", name)
}
