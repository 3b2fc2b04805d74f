package runtime

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestPodStartTracker(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	empty := &PodStatus{}
	withSandbox := &PodStatus{Sandboxes: []*SandboxStatus{{ID: "sb"}}}
	running := &v1.PodStatus{ContainerStatuses: []v1.ContainerStatus{
		{Name: "a", State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}},
		{Name: "b", State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}},
	}}
	half := &v1.PodStatus{ContainerStatuses: []v1.ContainerStatus{
		{Name: "a", State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}},
		{Name: "b", State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}},
	}}
	type step struct {
		observed *PodStatus
		status   *v1.PodStatus
		at       time.Duration // after t0
	}
	tests := []struct {
		name  string
		steps []step
		want  []time.Duration // one per measured step
	}{
		{
			name:  "a new pod is measured once, when every container runs",
			steps: []step{{empty, &v1.PodStatus{}, 0}, {withSandbox, half, time.Second}, {withSandbox, running, 3 * time.Second}, {withSandbox, running, 9 * time.Second}},
			want:  []time.Duration{3 * time.Second},
		},
		{
			name:  "an adopted pod is never measured",
			steps: []step{{withSandbox, half, 0}, {withSandbox, running, time.Second}},
		},
		{
			name:  "a pod without containers never starts",
			steps: []step{{empty, &v1.PodStatus{}, 0}, {withSandbox, &v1.PodStatus{}, time.Second}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr podStartTracker
			var got []time.Duration
			for _, s := range tt.steps {
				if d, ok := tr.observe(s.observed, s.status, t0, t0.Add(s.at)); ok {
					got = append(got, d)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("measured %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("measured %v, want %v", got, tt.want)
				}
			}
		})
	}
}
