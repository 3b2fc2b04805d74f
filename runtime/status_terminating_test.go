package runtime

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

func TestTerminatingStatus(t *testing.T) {
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	conds := func(ready v1.ConditionStatus) []v1.PodCondition {
		return []v1.PodCondition{
			{Type: v1.PodInitialized, Status: v1.ConditionTrue},
			{Type: v1.PodReady, Status: ready},
			{Type: v1.ContainersReady, Status: ready},
		}
	}
	tests := []struct {
		name   string
		status v1.PodStatus
	}{
		{name: "a Ready pod", status: v1.PodStatus{Phase: v1.PodRunning, Conditions: conds(v1.ConditionTrue),
			InitContainerStatuses: []v1.ContainerStatus{{Name: "sidecar", Ready: true}},
			ContainerStatuses:     []v1.ContainerStatus{{Name: "a", Ready: true}, {Name: "b", Ready: true}}}},
		{name: "a pod not Ready", status: v1.PodStatus{Phase: v1.PodPending, Conditions: conds(v1.ConditionFalse),
			ContainerStatuses: []v1.ContainerStatus{{Name: "a"}}}},
		{name: "a finished pod", status: v1.PodStatus{Phase: v1.PodSucceeded, Conditions: conds(v1.ConditionFalse)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cur := &v1.Pod{ObjectMeta: metaFor("p", "default", "uid"), Status: tc.status}
			before := cur.DeepCopy()
			got := terminatingStatus(cur, at, 7)
			if got.DeletionTimestamp == nil || !got.DeletionTimestamp.Time.Equal(at) ||
				got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 7 {
				t.Errorf("deletion %v grace %v, want %v and 7", got.DeletionTimestamp, got.DeletionGracePeriodSeconds, at)
			}
			if got.Status.Phase != tc.status.Phase {
				t.Errorf("phase %s, want it kept: %s", got.Status.Phase, tc.status.Phase)
			}
			for _, c := range got.Status.Conditions {
				switch c.Type {
				case v1.PodReady, v1.ContainersReady:
					if c.Status != v1.ConditionFalse {
						t.Errorf("%s is %s while terminating", c.Type, c.Status)
					}
				case v1.PodInitialized:
					if c.Status != v1.ConditionTrue {
						t.Errorf("Initialized changed to %s", c.Status)
					}
				}
			}
			for _, cs := range append(got.Status.InitContainerStatuses, got.Status.ContainerStatuses...) {
				if cs.Ready {
					t.Errorf("container %s Ready while terminating", cs.Name)
				}
			}
			if cur.DeletionTimestamp != nil || !equality.Semantic.DeepEqual(cur, before) {
				t.Errorf("the pod given was changed")
			}
		})
	}
}
