package runtime

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestStatusStoreWatch(t *testing.T) {
	s := newStatusStore()
	pod := &v1.Pod{ObjectMeta: metaFor("web", "default", "u1")}
	pods, changed := s.watch()
	if len(pods) != 0 || closed(changed) {
		t.Fatalf("empty store: %d pods, changed %v", len(pods), closed(changed))
	}

	s.set(pod)
	if !closed(changed) {
		t.Fatal("adding a pod did not signal a change")
	}
	pods, changed = s.watch()
	if len(pods) != 1 {
		t.Fatalf("%d pods after set", len(pods))
	}

	s.set(pod.DeepCopy())
	if closed(changed) {
		t.Error("storing the same pod again signalled a change")
	}

	running := pod.DeepCopy()
	running.Status.Phase = v1.PodRunning
	s.set(running)
	if !closed(changed) {
		t.Error("a status change did not signal")
	}

	_, changed = s.watch()
	s.delete("nonexistent")
	if closed(changed) {
		t.Error("deleting nothing signalled a change")
	}
	s.delete(pod.UID)
	if !closed(changed) {
		t.Error("deleting a pod did not signal")
	}
}
