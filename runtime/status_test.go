package runtime

import (
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestGeneratePodStatus(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	earlier := metav1.NewTime(t0.Add(-time.Hour))
	allConds := func(ready, containersReady, initialized, sandbox string) map[v1.PodConditionType]string {
		return map[v1.PodConditionType]string{v1.PodReady: ready, v1.ContainersReady: containersReady,
			v1.PodInitialized: initialized, v1.PodReadyToStartContainers: sandbox, v1.PodScheduled: "True"}
	}
	tests := []struct {
		name         string
		pod          func(*v1.Pod)
		observed     func() *PodStatus
		waiting      map[string]waitingReason
		sandboxError string
		terminal     *terminalState
		prev         *v1.PodStatus
		hostIPs      []string

		wantPhase v1.PodPhase
		wantInit  []string // stateOf each init container, in spec order
		wantMain  []string // stateOf each main container, in spec order
		wantConds map[v1.PodConditionType]string
		check     func(t *testing.T, st v1.PodStatus)
	}{
		{
			name:         "nothing yet, the sandbox failed",
			observed:     func() *PodStatus { return &PodStatus{UID: "uid-1"} },
			sandboxError: "failed to create pod sandbox: boom",
			wantPhase:    v1.PodPending,
			wantInit:     []string{"waiting:PodInitializing", "waiting:PodInitializing"},
			wantMain:     []string{"waiting:PodInitializing", "waiting:PodInitializing"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady",
				"False/ContainersNotInitialized", "False"),
			check: func(t *testing.T, st v1.PodStatus) {
				if c := conditionOf(st, v1.PodReadyToStartContainers); c.Message != "failed to create pod sandbox: boom" {
					t.Errorf("PodReadyToStartContainers message %q, want the sandbox error", c.Message)
				}
				if c := conditionOf(st, v1.PodInitialized); c.Message != "containers with incomplete status: [init-a init-b]" {
					t.Errorf("Initialized message %q", c.Message)
				}
				if c := conditionOf(st, v1.PodReady); c.Message != "containers with unready status: [server sidecar]" {
					t.Errorf("Ready message %q", c.Message)
				}
				if c := conditionOf(st, v1.ContainersReady); c.Message != "containers with unready status: [server sidecar]" {
					t.Errorf("ContainersReady message %q", c.Message)
				}
				if st.PodIP != "" || st.StartTime != nil {
					t.Errorf("podIP %q, startTime %v: want neither without a sandbox", st.PodIP, st.StartTime)
				}
				for _, cs := range st.ContainerStatuses {
					if cs.Started == nil || *cs.Started || cs.Ready || cs.ContainerID != "" {
						t.Errorf("%s: started %v ready %v id %q for a container never run", cs.Name, cs.Started, cs.Ready, cs.ContainerID)
					}
				}
			},
		},
		{
			name:      "sandbox up, no containers: mains wait for PodInitializing",
			observed:  func() *PodStatus { return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}} },
			wantPhase: v1.PodPending,
			wantInit:  []string{"waiting:PodInitializing", "waiting:PodInitializing"},
			wantMain:  []string{"waiting:PodInitializing", "waiting:PodInitializing"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "False/ContainersNotInitialized", "True"),
		},
		{
			name:      "init done: mains are ContainerCreating",
			observed:  initialised,
			wantPhase: v1.PodPending,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"waiting:ContainerCreating", "waiting:ContainerCreating"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
		},
		{
			name:      "no init containers, nothing started: ContainerCreating and Initialized",
			pod:       func(p *v1.Pod) { p.Spec.InitContainers = nil },
			observed:  func() *PodStatus { return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}} },
			wantPhase: v1.PodPending,
			wantMain:  []string{"waiting:ContainerCreating", "waiting:ContainerCreating"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
		},
		{
			name:      "running containers are ready",
			observed:  withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0)),
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("True", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				cs := containerStatusOf(st.ContainerStatuses, "server")
				if !cs.Ready || cs.Started == nil || !*cs.Started {
					t.Errorf("server ready %v started %v, want both", cs.Ready, cs.Started)
				}
				if cs.ContainerID != "containerd://server-id" || cs.RestartCount != 0 {
					t.Errorf("server containerID %q restartCount %d", cs.ContainerID, cs.RestartCount)
				}
				if !cs.State.Running.StartedAt.Time.Equal(t0.Add(-time.Minute)) {
					t.Errorf("server startedAt %v", cs.State.Running.StartedAt)
				}
				if cs.LastTerminationState.Terminated != nil {
					t.Errorf("server lastState %+v, want none", cs.LastTerminationState)
				}
				for _, c := range st.Conditions {
					if c.Status == v1.ConditionTrue && (c.Reason != "" || c.Message != "") {
						t.Errorf("%s True with reason %q message %q", c.Type, c.Reason, c.Message)
					}
				}
			},
		},
		{
			name: "image and image ID come from the running instance",
			observed: func() *PodStatus {
				s := withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0))()
				s.Containers[2].Image = "docker.io/library/busybox:latest"
				s.Containers[2].ImageRef = "docker.io/library/busybox@sha256:abc"
				return s
			},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("True", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				cs := containerStatusOf(st.ContainerStatuses, "server")
				if cs.Image != "docker.io/library/busybox:latest" || cs.ImageID != "docker.io/library/busybox@sha256:abc" {
					t.Errorf("server image %q imageID %q", cs.Image, cs.ImageID)
				}
				if sc := containerStatusOf(st.ContainerStatuses, "sidecar"); sc.Image != "busybox" {
					t.Errorf("sidecar image %q, want the spec's when the instance has none", sc.Image)
				}
			},
		},
		{
			name: "crash loop: held reason shows Waiting, the exit goes to lastState",
			observed: withMains(exited("server", KindMain, 3, 2, t0.Add(-5*time.Second)),
				running("sidecar", KindMain, 0)),
			waiting: map[string]waitingReason{"server": {Reason: "CrashLoopBackOff",
				Message: "back-off 1m20s restarting failed container=server pod=web_default(uid-1)"}},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"waiting:CrashLoopBackOff", "running"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				cs := containerStatusOf(st.ContainerStatuses, "server")
				if cs.State.Waiting.Message != "back-off 1m20s restarting failed container=server pod=web_default(uid-1)" {
					t.Errorf("waiting message %q", cs.State.Waiting.Message)
				}
				if got := stateOf(cs.LastTerminationState); got != "terminated:2:Error" {
					t.Errorf("lastState %s, want terminated:2:Error", got)
				}
				last := cs.LastTerminationState.Terminated
				if !last.FinishedAt.Time.Equal(t0.Add(-5*time.Second)) || last.ContainerID != "containerd://server-id" {
					t.Errorf("lastState finishedAt %v containerID %q", last.FinishedAt, last.ContainerID)
				}
				if cs.RestartCount != 3 || cs.Ready || *cs.Started {
					t.Errorf("restartCount %d ready %v started %v, want 3 false false", cs.RestartCount, cs.Ready, *cs.Started)
				}
				if c := conditionOf(st, v1.PodReady); c.Message != "containers with unready status: [server]" {
					t.Errorf("Ready message %q", c.Message)
				}
			},
		},
		{
			name: "restarted: previous instance is lastState, restartCount from Attempt",
			observed: func() *PodStatus {
				prev := exited("server", KindMain, 1, 137, t0.Add(-2*time.Minute))
				prev.ID, prev.Reason = "server-old", "OOMKilled"
				cur := running("server", KindMain, 2)
				return withMains(cur, prev, running("sidecar", KindMain, 0))()
			},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("True", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				cs := containerStatusOf(st.ContainerStatuses, "server")
				if cs.RestartCount != 2 {
					t.Errorf("restartCount %d, want 2", cs.RestartCount)
				}
				if got := stateOf(cs.LastTerminationState); got != "terminated:137:OOMKilled" {
					t.Errorf("lastState %s, want terminated:137:OOMKilled", got)
				}
				if id := cs.LastTerminationState.Terminated.ContainerID; id != "containerd://server-old" {
					t.Errorf("lastState containerID %q", id)
				}
			},
		},
		{
			name: "exited without a held reason under Always: Terminated, pod still Running",
			observed: withMains(exited("server", KindMain, 0, 0, t0.Add(-time.Second)),
				running("sidecar", KindMain, 0)),
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"terminated:0:Completed", "running"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
		},
		{
			name: "a created container waits ContainerCreating; a held reason does not hide a running one",
			observed: func() *PodStatus {
				c := running("server", KindMain, 0)
				c.State = StateCreated
				return withMains(c, running("sidecar", KindMain, 0))()
			},
			waiting:   map[string]waitingReason{"sidecar": {Reason: "ignored: sidecar is running"}},
			wantPhase: v1.PodPending,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"waiting:ContainerCreating", "running"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
		},
		{
			name:      "an image pull error before any instance",
			observed:  initialised,
			waiting:   map[string]waitingReason{"server": {Reason: "ErrImagePull", Message: "pull busybox: not found"}},
			wantPhase: v1.PodPending,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"waiting:ErrImagePull", "waiting:ContainerCreating"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				if m := containerStatusOf(st.ContainerStatuses, "server").State.Waiting.Message; m != "pull busybox: not found" {
					t.Errorf("waiting message %q", m)
				}
			},
		},
		{
			name: "init container crash-looping keeps everything else initialising",
			observed: func() *PodStatus {
				return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 2, 1, t0.Add(-time.Second))}}
			},
			waiting:   map[string]waitingReason{"init-a": {Reason: "CrashLoopBackOff"}},
			wantPhase: v1.PodPending,
			wantInit:  []string{"waiting:CrashLoopBackOff", "waiting:PodInitializing"},
			wantMain:  []string{"waiting:PodInitializing", "waiting:PodInitializing"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "False/ContainersNotInitialized", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				ics := containerStatusOf(st.InitContainerStatuses, "init-a")
				if got := stateOf(ics.LastTerminationState); got != "terminated:1:Error" || ics.RestartCount != 2 {
					t.Errorf("init-a lastState %s restartCount %d", got, ics.RestartCount)
				}
			},
		},
		{
			name: "a running sidecar counts for readiness",
			pod:  func(p *v1.Pod) { p.Spec.InitContainers[0].RestartPolicy = &always },
			observed: func() *PodStatus {
				return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					running("init-a", KindInit, 0), exited("init-b", KindInit, 0, 0, t0.Add(-time.Hour)),
					running("server", KindMain, 0), running("sidecar", KindMain, 0)}}
			},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"running", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("True", "True", "True", "True"),
		},
		{
			name: "a crash-looping sidecar makes the pod unready",
			pod:  func(p *v1.Pod) { p.Spec.InitContainers[0].RestartPolicy = &always },
			observed: func() *PodStatus {
				return &PodStatus{UID: "uid-1", Sandboxes: []*SandboxStatus{readySandbox()}, Containers: []*ContainerStatus{
					exited("init-a", KindInit, 1, 1, t0.Add(-time.Second)), exited("init-b", KindInit, 0, 0, t0.Add(-time.Hour)),
					running("server", KindMain, 0), running("sidecar", KindMain, 0)}}
			},
			waiting:   map[string]waitingReason{"init-a": {Reason: "CrashLoopBackOff"}},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"waiting:CrashLoopBackOff", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("False/ContainersNotReady", "False/ContainersNotReady", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				if c := conditionOf(st, v1.ContainersReady); c.Message != "containers with unready status: [init-a]" {
					t.Errorf("ContainersReady message %q", c.Message)
				}
			},
		},
		{
			name: "readiness gates keep Ready false",
			pod: func(p *v1.Pod) {
				p.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "example.com/feature-1"}}
			},
			observed:  withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0)),
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("False/ReadinessGatesNotReady", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				want := `corresponding condition of pod readiness gate "example.com/feature-1" does not exist.`
				if c := conditionOf(st, v1.PodReady); c.Message != want {
					t.Errorf("Ready message %q, want %q", c.Message, want)
				}
			},
		},
		{
			name: "two readiness gates: one message per gate, as kubelet writes them",
			pod: func(p *v1.Pod) {
				p.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "a.example/one"}, {ConditionType: "a.example/two"}}
			},
			observed:  withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0)),
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("False/ReadinessGatesNotReady", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				want := `corresponding condition of pod readiness gate "a.example/one" does not exist., ` +
					`corresponding condition of pod readiness gate "a.example/two" does not exist.`
				if c := conditionOf(st, v1.PodReady); c.Message != want {
					t.Errorf("Ready message %q, want %q", c.Message, want)
				}
			},
		},
		{
			name:      "all exited 0 under Never: Succeeded, conditions PodCompleted",
			pod:       func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			observed:  withMains(exited("server", KindMain, 0, 0, t0), exited("sidecar", KindMain, 0, 0, t0)),
			wantPhase: v1.PodSucceeded,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantConds: allConds("False/PodCompleted", "False/PodCompleted", "True/PodCompleted", "True"),
		},
		{
			name:      "one failed under Never: Failed, conditions PodFailed",
			pod:       func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			observed:  withMains(exited("server", KindMain, 0, 0, t0), exited("sidecar", KindMain, 0, 3, t0)),
			wantPhase: v1.PodFailed,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"terminated:0:Completed", "terminated:3:Error"},
			wantConds: allConds("False/PodFailed", "False/PodFailed", "True", "True"),
		},
		{
			name:      "terminal phase sticks once Succeeded",
			observed:  withMains(running("server", KindMain, 1), running("sidecar", KindMain, 0)),
			prev:      &v1.PodStatus{Phase: v1.PodSucceeded, Reason: "Done", Message: "all done"},
			wantPhase: v1.PodSucceeded,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("False/PodCompleted", "False/PodCompleted", "True/PodCompleted", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				if st.Reason != "Done" || st.Message != "all done" {
					t.Errorf("reason %q message %q, want the previous ones", st.Reason, st.Message)
				}
			},
		},
		{
			name:      "terminal phase sticks once Failed",
			observed:  withMains(running("server", KindMain, 1), running("sidecar", KindMain, 0)),
			prev:      &v1.PodStatus{Phase: v1.PodFailed},
			wantPhase: v1.PodFailed,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
		},
		{
			name:      "the agent ended the pod",
			observed:  withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0)),
			terminal:  &terminalState{Phase: v1.PodFailed, Reason: "DeadlineExceeded", Message: "Pod was active on the node longer than the specified deadline"},
			wantPhase: v1.PodFailed,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			check: func(t *testing.T, st v1.PodStatus) {
				if st.Reason != "DeadlineExceeded" || st.Message == "" {
					t.Errorf("reason %q message %q", st.Reason, st.Message)
				}
				if c := conditionOf(st, v1.PodReady); c.Status != v1.ConditionFalse {
					t.Errorf("Ready %s in a terminal pod", c.Status)
				}
			},
		},
		{
			name:     "lastTransitionTime kept while a condition holds, now when it changes",
			observed: withMains(running("server", KindMain, 0), running("sidecar", KindMain, 0)),
			prev: &v1.PodStatus{Phase: v1.PodPending, Conditions: []v1.PodCondition{
				{Type: v1.PodInitialized, Status: v1.ConditionTrue, LastTransitionTime: earlier},
				{Type: v1.PodReady, Status: v1.ConditionFalse, LastTransitionTime: earlier},
				{Type: v1.PodScheduled, Status: v1.ConditionTrue, LastTransitionTime: earlier},
			}},
			wantPhase: v1.PodRunning,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"running", "running"},
			wantConds: allConds("True", "True", "True", "True"),
			check: func(t *testing.T, st v1.PodStatus) {
				want := map[v1.PodConditionType]time.Time{
					v1.PodInitialized: earlier.Time, v1.PodScheduled: earlier.Time, // unchanged
					v1.PodReady: t0, v1.ContainersReady: t0, v1.PodReadyToStartContainers: t0, // changed or new
				}
				for typ, w := range want {
					if got := conditionOf(st, typ).LastTransitionTime.Time; !got.Equal(w) {
						t.Errorf("%s lastTransitionTime %v, want %v", typ, got, w)
					}
				}
			},
		},
		{
			name: "podIP and startTime from the sandbox",
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].IPs = []string{"10.66.0.7", "fd00::7"}
				s.Sandboxes[0].PodStarted = t0.Add(-2 * time.Hour)
				return s
			},
			prev: &v1.PodStatus{PodIP: "10.66.0.1", PodIPs: []v1.PodIP{{IP: "10.66.0.1"}},
				StartTime: &metav1.Time{Time: t0.Add(-24 * time.Hour)}},
			hostIPs:   []string{"192.168.1.10", "fd00::10"},
			wantPhase: v1.PodPending,
			wantInit:  []string{"terminated:0:Completed", "terminated:0:Completed"},
			wantMain:  []string{"waiting:ContainerCreating", "waiting:ContainerCreating"},
			check: func(t *testing.T, st v1.PodStatus) {
				if st.PodIP != "10.66.0.7" || !reflect.DeepEqual(st.PodIPs, []v1.PodIP{{IP: "10.66.0.7"}, {IP: "fd00::7"}}) {
					t.Errorf("podIP %q podIPs %v", st.PodIP, st.PodIPs)
				}
				if st.StartTime == nil || !st.StartTime.Time.Equal(t0.Add(-2*time.Hour)) {
					t.Errorf("startTime %v, want the sandbox's PodStarted", st.StartTime)
				}
				if st.HostIP != "192.168.1.10" || !reflect.DeepEqual(st.HostIPs, []v1.HostIP{{IP: "192.168.1.10"}, {IP: "fd00::10"}}) {
					t.Errorf("hostIP %q hostIPs %v", st.HostIP, st.HostIPs)
				}
			},
		},
		{
			name:     "podIP and startTime kept from the previous status without a sandbox",
			observed: func() *PodStatus { return &PodStatus{UID: "uid-1"} },
			prev: &v1.PodStatus{PodIP: "10.66.0.1", PodIPs: []v1.PodIP{{IP: "10.66.0.1"}},
				StartTime: &metav1.Time{Time: t0.Add(-24 * time.Hour)}},
			wantPhase: v1.PodPending,
			check: func(t *testing.T, st v1.PodStatus) {
				if st.PodIP != "10.66.0.1" {
					t.Errorf("podIP %q, want the previous one", st.PodIP)
				}
				if st.StartTime == nil || !st.StartTime.Time.Equal(t0.Add(-24*time.Hour)) {
					t.Errorf("startTime %v, want the previous one", st.StartTime)
				}
			},
		},
		{
			name: "a sandbox without IPs or start time keeps the previous ones",
			observed: func() *PodStatus {
				s := initialised()
				s.Sandboxes[0].IPs = nil
				return s
			},
			prev: &v1.PodStatus{PodIPs: []v1.PodIP{{IP: "10.66.0.1"}}, StartTime: &metav1.Time{Time: t0.Add(-24 * time.Hour)}},
			check: func(t *testing.T, st v1.PodStatus) {
				if st.PodIP != "10.66.0.1" || st.StartTime == nil {
					t.Errorf("podIP %q startTime %v, want the previous ones", st.PodIP, st.StartTime)
				}
			},
			wantPhase: v1.PodPending,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := basePod()
			if tc.pod != nil {
				tc.pod(pod)
			}
			st := generatePodStatus(statusInputs{
				pod: pod, observed: tc.observed(), waiting: tc.waiting, sandboxError: tc.sandboxError,
				terminal: tc.terminal, prev: tc.prev, hostIPs: tc.hostIPs, now: t0,
			})
			if st.Phase != tc.wantPhase {
				t.Errorf("phase %s, want %s", st.Phase, tc.wantPhase)
			}
			if tc.wantInit != nil || len(pod.Spec.InitContainers) == 0 {
				if got := statesOf(st.InitContainerStatuses); !reflect.DeepEqual(got, tc.wantInit) {
					t.Errorf("init container states %q, want %q", got, tc.wantInit)
				}
			}
			if tc.wantMain != nil {
				if got := statesOf(st.ContainerStatuses); !reflect.DeepEqual(got, tc.wantMain) {
					t.Errorf("container states %q, want %q", got, tc.wantMain)
				}
			}
			if len(st.Conditions) != 5 {
				t.Errorf("%d conditions, want 5: %+v", len(st.Conditions), st.Conditions)
			}
			for typ, want := range tc.wantConds {
				if got := condSummary(conditionOf(st, typ)); got != want {
					t.Errorf("condition %s = %s, want %s", typ, got, want)
				}
			}
			if st.QOSClass != v1.PodQOSBestEffort {
				t.Errorf("qosClass %s, want BestEffort for a pod without resources", st.QOSClass)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}
