package runtime

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func runningStatus(name string) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name, State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
}

func terminatedStatus(name string, code int32) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name, State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code}}}
}

func waitingStatus(name string) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name, State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
}

func crashLooping(name string, lastCode int32) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name,
		State:                v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: lastCode}}}
}

func TestGetPhase(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name    string
		policy  v1.RestartPolicy
		sidecar bool
		init    []v1.ContainerStatus
		main    []v1.ContainerStatus
		want    v1.PodPhase
	}{
		{name: "nothing reported yet", policy: v1.RestartPolicyAlways, want: v1.PodPending},
		{name: "init container running", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{runningStatus("init-a")}, want: v1.PodPending},
		{name: "init done, mains waiting", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{waitingStatus("a"), waitingStatus("b")}, want: v1.PodPending},
		{name: "init failed under Never", policy: v1.RestartPolicyNever,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 1)}, want: v1.PodFailed},
		{name: "init failed under Always retries", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 1)}, want: v1.PodPending},
		{name: "init crash-looping", policy: v1.RestartPolicyOnFailure,
			init: []v1.ContainerStatus{crashLooping("init-a", 1)}, want: v1.PodPending},
		{name: "all running", policy: v1.RestartPolicyAlways, init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{runningStatus("a"), runningStatus("b")}, want: v1.PodRunning},
		{name: "one running one waiting to restart", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{runningStatus("a"), crashLooping("b", 1)}, want: v1.PodRunning},
		{name: "one running one new and waiting", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{runningStatus("a"), waitingStatus("b")}, want: v1.PodPending},
		{name: "Always: all stopped still Running", policy: v1.RestartPolicyAlways,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), terminatedStatus("b", 1)}, want: v1.PodRunning},
		{name: "Never: all exited 0", policy: v1.RestartPolicyNever,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), terminatedStatus("b", 0)}, want: v1.PodSucceeded},
		{name: "Never: one failed", policy: v1.RestartPolicyNever,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), terminatedStatus("b", 2)}, want: v1.PodFailed},
		{name: "Never: one still running", policy: v1.RestartPolicyNever,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 2), runningStatus("b")}, want: v1.PodRunning},
		{name: "OnFailure: all exited 0", policy: v1.RestartPolicyOnFailure,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), terminatedStatus("b", 0)}, want: v1.PodSucceeded},
		{name: "OnFailure: a failed one restarts", policy: v1.RestartPolicyOnFailure,
			init: []v1.ContainerStatus{terminatedStatus("init-a", 0)},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), crashLooping("b", 1)}, want: v1.PodRunning},
		{name: "sidecar running beside finished mains does not keep the pod Running", policy: v1.RestartPolicyNever, sidecar: true,
			init: []v1.ContainerStatus{runningStatus("init-a")},
			main: []v1.ContainerStatus{terminatedStatus("a", 0), terminatedStatus("b", 0)}, want: v1.PodSucceeded},
		{name: "sidecar not started yet keeps the pod Pending", policy: v1.RestartPolicyAlways, sidecar: true,
			init: []v1.ContainerStatus{waitingStatus("init-a")},
			main: []v1.ContainerStatus{waitingStatus("a"), waitingStatus("b")}, want: v1.PodPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{Spec: v1.PodSpec{
				RestartPolicy:  tc.policy,
				InitContainers: []v1.Container{{Name: "init-a"}},
				Containers:     []v1.Container{{Name: "a"}, {Name: "b"}},
			}}
			if tc.sidecar {
				pod.Spec.InitContainers[0].RestartPolicy = &always
			}
			if got := getPhase(pod, tc.init, tc.main); got != tc.want {
				t.Errorf("getPhase = %s, want %s", got, tc.want)
			}
		})
	}
}
