package runtime

import (
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func basePod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metaFor("web", "default", "uid-1"),
		Spec: v1.PodSpec{
			RestartPolicy: v1.RestartPolicyAlways,
			InitContainers: []v1.Container{
				{Name: "init-a", Image: "busybox"},
				{Name: "init-b", Image: "busybox"},
			},
			Containers: []v1.Container{
				{Name: "server", Image: "busybox"},
				{Name: "sidecar", Image: "busybox"},
			},
		},
	}
}

func readySandbox() *SandboxStatus {
	return &SandboxStatus{ID: "sb1", State: SandboxReady, IPs: []string{"10.66.0.2"}, Pid: 42}
}

func running(name string, kind ContainerKind, attempt int) *ContainerStatus {
	return &ContainerStatus{ID: name + "-id", Name: name, Kind: kind, SandboxID: "sb1", Attempt: attempt,
		State: StateRunning, StartedAt: t0.Add(-time.Minute)}
}

// created is an instance made but never started: the agent died in between.
func created(name string, kind ContainerKind, attempt int) *ContainerStatus {
	return &ContainerStatus{ID: name + "-id", Name: name, Kind: kind, SandboxID: "sb1", Attempt: attempt, State: StateCreated}
}

func exited(name string, kind ContainerKind, attempt int, code int32, finished time.Time) *ContainerStatus {
	return &ContainerStatus{ID: name + "-id", Name: name, Kind: kind, SandboxID: "sb1", Attempt: attempt,
		State: StateExited, ExitCode: code, StartedAt: finished.Add(-time.Second), FinishedAt: finished}
}

// initialised is the observed state of a pod whose init containers completed in sandbox sb1.
func initialised() *PodStatus {
	return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
		exited("init-a", KindInit, 0, 0, t0.Add(-time.Hour)),
		exited("init-b", KindInit, 0, 0, t0.Add(-time.Hour)),
	}}
}

func fixedResults(m map[string]action.Result) probeResults {
	return func(id string, kind probes.Kind) (action.Result, bool) {
		r, ok := m[id+"/"+string(kind)]
		return r, ok
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestComputePodActions(t *testing.T) {
	tests := []struct {
		name     string
		pod      func(*v1.Pod)
		observed func() *PodStatus
		backoff  func(*Backoff, *v1.Pod)
		results  probeResults
		want     podActions
	}{
		{
			name:     "new pod: make a sandbox and start the first init container",
			observed: func() *PodStatus { return &PodStatus{UID: "uid-1"} },
			want:     podActions{KillPod: true, CreateSandbox: true, InitToStart: 0},
		},
		{
			name:     "new pod without init containers: make a sandbox and start every container",
			pod:      func(p *v1.Pod) { p.Spec.InitContainers = nil },
			observed: func() *PodStatus { return &PodStatus{UID: "uid-1"} },
			want:     podActions{KillPod: true, CreateSandbox: true, InitToStart: -1, ContainersToStart: []int{0, 1}},
		},
		{
			name: "first init container done: start the second",
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 0, 0, t0)}}
			},
			want: podActions{InitToStart: 1},
		},
		{
			name: "init container running: wait for it",
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					running("init-a", KindInit, 0)}}
			},
			want: podActions{InitToStart: -1},
		},
		{
			name: "init container created, never started (agent crash): start it",
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					created("init-a", KindInit, 0)}}
			},
			want: podActions{InitToStart: 0},
		},
		{
			name: "sidecar created, never started (agent crash): start it",
			pod: func(p *v1.Pod) {
				p.Spec.InitContainers[0].RestartPolicy = ptrTo(v1.ContainerRestartPolicyAlways)
			},
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					created("init-a", KindInit, 0)}}
			},
			want: podActions{InitToStart: 0},
		},
		{
			name: "main container created, never started (agent crash): start it",
			observed: func() *PodStatus {
				st := initialised()
				st.Containers = append(st.Containers, created("server", KindMain, 0), running("sidecar", KindMain, 0))
				return st
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}},
		},
		{
			name:     "init done: start the main containers",
			observed: initialised,
			want:     podActions{InitToStart: -1, ContainersToStart: []int{0, 1}},
		},
		{
			name: "init container failed under Never: the pod is done",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 0, 1, t0)}}
			},
			want: podActions{KillPod: true, InitToStart: -1},
		},
		{
			name: "init container failed under OnFailure: restart it",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyOnFailure },
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 0, 1, t0)}}
			},
			want: podActions{InitToStart: 0},
		},
		{
			name: "init container failed again within its back-off: hold it",
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 1, 1, t0.Add(-3*time.Second))}}
			},
			backoff: func(b *Backoff, p *v1.Pod) {
				b.Next(backoffKey(p, &p.Spec.InitContainers[0]), t0.Add(-time.Minute), time.Second)
			},
			want: podActions{InitToStart: -1, Recheck: 7 * time.Second, Waiting: map[string]waitingReason{
				"init-a": {Reason: "CrashLoopBackOff", Message: "back-off 10s restarting failed container=init-a pod=web_default(uid-1)"}}},
		},
		{
			name: "all running: nothing to do",
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, running("server", KindMain, 0), running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: -1},
		},
		{
			name: "a container exited under Always: restart it at once the first time",
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 0, 0, t0), running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}},
		},
		{
			name: "a container that failed twice waits out its back-off",
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 1, 2, t0.Add(-4*time.Second)), running("sidecar", KindMain, 0))
				return s
			},
			backoff: func(b *Backoff, p *v1.Pod) {
				b.Next(backoffKey(p, &p.Spec.Containers[0]), t0.Add(-time.Minute), time.Second)
			},
			want: podActions{InitToStart: -1, Recheck: 6 * time.Second, Waiting: map[string]waitingReason{
				"server": {Reason: "CrashLoopBackOff", Message: "back-off 10s restarting failed container=server pod=web_default(uid-1)"}}},
		},
		{
			name: "the back-off has run out: restart",
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 1, 2, t0.Add(-11*time.Second)), running("sidecar", KindMain, 0))
				return s
			},
			backoff: func(b *Backoff, p *v1.Pod) {
				b.Next(backoffKey(p, &p.Spec.Containers[0]), t0.Add(-time.Minute), time.Second)
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}},
		},
		{
			name: "OnFailure: a container that succeeded stays down",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyOnFailure },
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 0, 0, t0), running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: -1},
		},
		{
			name: "Never: every container exited: the pod is done, its sandbox goes",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 0, 0, t0), exited("sidecar", KindMain, 0, 1, t0))
				return s
			},
			want: podActions{KillPod: true, InitToStart: -1},
		},
		{
			name: "sandbox died: kill the rest and make a new one, init again",
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].State = SandboxNotReady
				s.Containers = append(s.Containers, running("server", KindMain, 0))
				return s
			},
			want: podActions{KillPod: true, CreateSandbox: true, Attempt: 1, InitToStart: 0},
		},
		{
			name: "sandbox died under Never after the containers ran: done, no new sandbox",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].State = SandboxNotReady
				s.Sandboxes[0].Attempt = 0
				s.Containers = append(s.Containers, exited("server", KindMain, 0, 0, t0))
				return s
			},
			want: podActions{KillPod: true, Attempt: 1, InitToStart: -1},
		},
		{
			name: "OnFailure pod finished and its sandbox is gone: nothing to start, no sandbox",
			pod: func(p *v1.Pod) {
				p.Spec.RestartPolicy = v1.RestartPolicyOnFailure
				p.Spec.InitContainers = nil
			},
			observed: func() *PodStatus {
				return &PodStatus{Containers: []*ContainerStatus{
					exited("server", KindMain, 0, 0, t0), exited("sidecar", KindMain, 0, 0, t0)}}
			},
			want: podActions{KillPod: true, InitToStart: -1},
		},
		{
			name: "a ready sandbox without an IP is replaced",
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].IPs = nil
				return s
			},
			want: podActions{KillPod: true, CreateSandbox: true, Attempt: 1, InitToStart: 0},
		},
		{
			name: "hostNetwork sandboxes need no IP of their own",
			pod:  func(p *v1.Pod) { p.Spec.HostNetwork = true },
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].IPs = nil
				return s
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0, 1}},
		},
		{
			name: "sidecar: started counts as done, the next init container goes",
			pod: func(p *v1.Pod) {
				always := v1.ContainerRestartPolicyAlways
				p.Spec.InitContainers[0].RestartPolicy = &always
			},
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					running("init-a", KindInit, 0)}}
			},
			want: podActions{InitToStart: 1},
		},
		{
			name: "sidecar exited: restart it",
			pod: func(p *v1.Pod) {
				always := v1.ContainerRestartPolicyAlways
				p.Spec.InitContainers[0].RestartPolicy = &always
			},
			observed: func() *PodStatus {
				s := initialised()
				s.Containers[0] = exited("init-a", KindInit, 0, 1, t0)
				s.Containers = append(s.Containers, running("server", KindMain, 0), running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: 0},
		},
		{
			name: "a container whose spec changed in place is restarted",
			observed: func() *PodStatus {
				s := initialised()
				stale := running("server", KindMain, 0)
				stale.Hash = "0123456789abcdef"
				s.Containers = append(s.Containers, stale, running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}, ContainersToKill: []containerKill{
				{Status: func() *ContainerStatus { c := running("server", KindMain, 0); c.Hash = "0123456789abcdef"; return c }(),
					Reason: "Container server definition changed, will be restarted"}}},
		},
		{
			name: "a crash-looping container whose spec changed starts afresh, without back-off",
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, exited("server", KindMain, 3, 2, t0.Add(-time.Second)), running("sidecar", KindMain, 0))
				return s
			},
			backoff: func(b *Backoff, p *v1.Pod) {
				old := p.Spec.Containers[0]
				old.Image = "busybox:old"
				b.Next(backoffKey(p, &old), t0.Add(-time.Minute), time.Second)
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}},
		},
		{
			name: "liveness failed: kill the container with the probe's grace period",
			pod: func(p *v1.Pod) {
				grace := int64(5)
				p.Spec.Containers[0].LivenessProbe = &v1.Probe{TerminationGracePeriodSeconds: &grace}
			},
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, running("server", KindMain, 0), running("sidecar", KindMain, 0))
				return s
			},
			results: fixedResults(map[string]action.Result{"server-id/liveness": action.Failure}),
			want: podActions{InitToStart: -1, ContainersToKill: []containerKill{{
				Status: running("server", KindMain, 0), Reason: "Container server failed liveness probe, will be restarted", Grace: ptrTo(int64(5))}}},
		},
		{
			name: "readiness failing restarts nothing",
			pod:  func(p *v1.Pod) { p.Spec.Containers[0].ReadinessProbe = &v1.Probe{} },
			observed: func() *PodStatus {
				s := initialised()
				s.Containers = append(s.Containers, running("server", KindMain, 0), running("sidecar", KindMain, 0))
				return s
			},
			results: fixedResults(map[string]action.Result{"server-id/readiness": action.Failure}),
			want:    podActions{InitToStart: -1},
		},
		{
			name: "a sidecar whose startup probe has not passed holds the next init container",
			pod: func(p *v1.Pod) {
				always := v1.ContainerRestartPolicyAlways
				p.Spec.InitContainers[0].RestartPolicy = &always
				p.Spec.InitContainers[0].StartupProbe = &v1.Probe{}
			},
			observed: func() *PodStatus {
				return &PodStatus{Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					running("init-a", KindInit, 0)}}
			},
			want: podActions{InitToStart: -1},
		},
		{
			name: "a container still running from an old sandbox is replaced",
			observed: func() *PodStatus {
				s := initialised()
				old := running("server", KindMain, 0)
				old.SandboxID = "sb0"
				s.Containers = append(s.Containers, old, running("sidecar", KindMain, 0))
				return s
			},
			want: podActions{InitToStart: -1, ContainersToStart: []int{0}, ContainersToKill: []containerKill{
				{Status: func() *ContainerStatus { c := running("server", KindMain, 0); c.SandboxID = "sb0"; return c }(), Reason: "its sandbox was replaced"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := basePod()
			if tc.pod != nil {
				tc.pod(pod)
			}
			bo := NewBackoff()
			if tc.backoff != nil {
				tc.backoff(bo, pod)
			}
			got := computePodActions(pod, tc.observed(), tc.results, bo, t0)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("computePodActions:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
