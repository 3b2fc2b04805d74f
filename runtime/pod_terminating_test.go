package runtime

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNotReadyWhileTerminating(t *testing.T) {
	before := metav1.NewTime(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	at := metav1.NewTime(before.Add(time.Minute))
	st := v1.PodStatus{
		Phase:                 v1.PodRunning,
		ContainerStatuses:     []v1.ContainerStatus{{Name: "main", Ready: true}},
		InitContainerStatuses: []v1.ContainerStatus{{Name: "sidecar", Ready: true}},
		Conditions: []v1.PodCondition{
			{Type: v1.PodReadyToStartContainers, Status: v1.ConditionTrue, LastTransitionTime: before},
			{Type: v1.PodInitialized, Status: v1.ConditionTrue, LastTransitionTime: before},
			{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: before},
			{Type: v1.ContainersReady, Status: v1.ConditionTrue, LastTransitionTime: before},
			{Type: v1.PodScheduled, Status: v1.ConditionTrue, LastTransitionTime: before},
		},
	}
	notReadyWhileTerminating(&st, at)
	if st.ContainerStatuses[0].Ready || st.InitContainerStatuses[0].Ready {
		t.Errorf("containers still ready: %+v, %+v", st.ContainerStatuses[0], st.InitContainerStatuses[0])
	}
	for _, c := range st.Conditions {
		readiness := c.Type == v1.PodReady || c.Type == v1.ContainersReady
		switch {
		case readiness && (c.Status != v1.ConditionFalse || c.Reason != "PodTerminating" || !c.LastTransitionTime.Equal(&at)):
			t.Errorf("condition %s = %s (%s) at %v, want False (PodTerminating) at %v", c.Type, c.Status, c.Reason, c.LastTransitionTime, at)
		case !readiness && (c.Status != v1.ConditionTrue || !c.LastTransitionTime.Equal(&before)):
			t.Errorf("condition %s changed: %+v", c.Type, c)
		}
	}
	if st.Phase != v1.PodRunning {
		t.Errorf("phase = %s, want Running: terminating is not a phase", st.Phase)
	}
}
