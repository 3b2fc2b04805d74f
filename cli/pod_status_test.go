package cli

import (
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	always = v1.ContainerRestartPolicyAlways
	yes    = true
	no     = false
)

// basePod is a pod with one init container and two main containers, all
// without status; cases mutate it.
func basePod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: v1.PodSpec{
			InitContainers: []v1.Container{{Name: "init"}},
			Containers:     []v1.Container{{Name: "app"}, {Name: "log"}},
		},
		Status: v1.PodStatus{Phase: v1.PodPending},
	}
}

func running() v1.ContainerState {
	return v1.ContainerState{Running: &v1.ContainerStateRunning{}}
}

func waiting(reason string) v1.ContainerState {
	return v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: reason}}
}

func terminated(code int32, signal int32, reason string) v1.ContainerState {
	return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: code, Signal: signal, Reason: reason}}
}

// initDone marks the init container as exited 0 and the pod initialized.
func initDone(p *v1.Pod) {
	p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: terminated(0, 0, "Completed")}}
	p.Status.Conditions = append(p.Status.Conditions, v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionTrue})
}

// mains sets the states of the two main containers; ready says which are ready.
func mains(app, log v1.ContainerState, appReady, logReady bool) func(*v1.Pod) {
	return func(p *v1.Pod) {
		p.Status.ContainerStatuses = []v1.ContainerStatus{
			{Name: "app", State: app, Ready: appReady},
			{Name: "log", State: log, Ready: logReady},
		}
	}
}

func phase(ph v1.PodPhase) func(*v1.Pod) { return func(p *v1.Pod) { p.Status.Phase = ph } }

func condition(t v1.PodConditionType, s v1.ConditionStatus) func(*v1.Pod) {
	return func(p *v1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, v1.PodCondition{Type: t, Status: s})
	}
}

func TestPodStatus(t *testing.T) {
	deleted := metav1.NewTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name   string
		mutate []func(*v1.Pod)
		want   string
	}{
		{name: "phase without container statuses", want: "Pending"},
		{
			name:   "status reason overrides phase",
			mutate: []func(*v1.Pod){phase(v1.PodFailed), func(p *v1.Pod) { p.Status.Reason = "HostPortConflict" }},
			want:   "HostPortConflict",
		},
		{
			name: "scheduling gated",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionFalse, Reason: v1.PodReasonSchedulingGated}}
			}},
			want: "SchedulingGated",
		},
		{
			name: "init container running gives Init:N/M",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{Name: "init2"})
				p.Status.InitContainerStatuses = []v1.ContainerStatus{
					{Name: "init", State: terminated(0, 0, "Completed")},
					{Name: "init2", State: running()},
				}
			}},
			want: "Init:1/2",
		},
		{
			name: "init container waiting for PodInitializing counts as not started",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: waiting("PodInitializing")}}
			}},
			want: "Init:0/1",
		},
		{
			name: "init container waiting reason",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: waiting("ImagePullBackOff")}}
			}},
			want: "Init:ImagePullBackOff",
		},
		{
			name: "init container back-off",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: waiting("CrashLoopBackOff"), RestartCount: 3}}
			}},
			want: "Init:CrashLoopBackOff",
		},
		{
			name: "init container terminated with reason",
			mutate: []func(*v1.Pod){phase(v1.PodFailed), func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: terminated(1, 0, "Error")}}
			}},
			want: "Init:Error",
		},
		{
			name: "init container exit code without reason",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: terminated(3, 0, "")}}
			}},
			want: "Init:ExitCode:3",
		},
		{
			name: "init container signal without reason",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: terminated(137, 9, "")}}
			}},
			want: "Init:Signal:9",
		},
		{
			name:   "main containers waiting for init give PodInitializing",
			mutate: []func(*v1.Pod){initDone, mains(waiting("PodInitializing"), waiting("PodInitializing"), false, false)},
			want:   "PodInitializing",
		},
		{
			name:   "container creating",
			mutate: []func(*v1.Pod){initDone, mains(waiting("ContainerCreating"), waiting("ContainerCreating"), false, false)},
			want:   "ContainerCreating",
		},
		{
			name:   "image pull error",
			mutate: []func(*v1.Pod){initDone, mains(waiting("ErrImagePull"), running(), false, true)},
			want:   "ErrImagePull",
		},
		{
			name:   "image pull back-off",
			mutate: []func(*v1.Pod){initDone, mains(running(), waiting("ImagePullBackOff"), true, false)},
			want:   "ImagePullBackOff",
		},
		{
			name:   "crash loop back-off",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), mains(waiting("CrashLoopBackOff"), running(), false, true)},
			want:   "CrashLoopBackOff",
		},
		{
			name:   "first container's state wins",
			mutate: []func(*v1.Pod){initDone, mains(waiting("ErrImagePull"), waiting("CrashLoopBackOff"), false, false)},
			want:   "ErrImagePull",
		},
		{
			name:   "terminated reason",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodFailed), mains(terminated(137, 0, "OOMKilled"), terminated(0, 0, "Completed"), false, false)},
			want:   "OOMKilled",
		},
		{
			name:   "terminated exit code without reason",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodFailed), mains(terminated(2, 0, ""), running(), false, true)},
			want:   "ExitCode:2",
		},
		{
			name:   "terminated signal without reason",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodFailed), mains(terminated(143, 15, ""), running(), false, true)},
			want:   "Signal:15",
		},
		{
			name:   "completed",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodSucceeded), mains(terminated(0, 0, "Completed"), terminated(0, 0, "Completed"), false, false)},
			want:   "Completed",
		},
		{
			name: "completed while another runs and pod ready is Running",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), condition(v1.PodReady, v1.ConditionTrue),
				mains(terminated(0, 0, "Completed"), running(), false, true)},
			want: "Running",
		},
		{
			name: "completed while another runs and pod not ready is NotReady",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), condition(v1.PodReady, v1.ConditionFalse),
				mains(terminated(0, 0, "Completed"), running(), false, true)},
			want: "NotReady",
		},
		{
			name:   "running",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), mains(running(), running(), true, true)},
			want:   "Running",
		},
		{
			name:   "running but not ready stays Running",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), mains(running(), running(), false, false)},
			want:   "Running",
		},
		{
			name: "started sidecar does not hold initialization",
			mutate: []func(*v1.Pod){phase(v1.PodRunning), func(p *v1.Pod) {
				p.Spec.InitContainers[0].RestartPolicy = &always
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: running(), Started: &yes, Ready: true}}
			}, mains(running(), running(), true, true)},
			want: "Running",
		},
		{
			name: "sidecar not yet started holds initialization",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Spec.InitContainers[0].RestartPolicy = &always
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: running(), Started: &no}}
			}},
			want: "Init:0/1",
		},
		{
			name: "deletion of a running pod is Terminating",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodRunning), mains(running(), running(), true, true),
				func(p *v1.Pod) { p.DeletionTimestamp = &deleted }},
			want: "Terminating",
		},
		{
			name: "deletion of a finished pod keeps its status",
			mutate: []func(*v1.Pod){initDone, phase(v1.PodSucceeded), mains(terminated(0, 0, "Completed"), terminated(0, 0, "Completed"), false, false),
				func(p *v1.Pod) { p.DeletionTimestamp = &deleted }},
			want: "Completed",
		},
		{
			name: "deletion of a pod on a lost node is Unknown",
			mutate: []func(*v1.Pod){phase(v1.PodRunning), func(p *v1.Pod) {
				p.Status.Reason = "NodeLost"
				p.DeletionTimestamp = &deleted
			}},
			want: "Unknown",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := basePod()
			for _, m := range tc.mutate {
				m(p)
			}
			if got := PodStatus(p); got != tc.want {
				t.Errorf("PodStatus = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSummarizePodCounts(t *testing.T) {
	finished := func(ago time.Duration) v1.ContainerState {
		return v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", FinishedAt: metav1.NewTime(testNow.Add(-ago)),
		}}
	}
	tests := []struct {
		name            string
		mutate          []func(*v1.Pod)
		wantReady       string
		wantRestarts    int
		wantLastRestart time.Duration // before testNow; 0 for none
	}{
		{name: "nothing started", wantReady: "0/2"},
		{
			name:      "ready main containers",
			mutate:    []func(*v1.Pod){initDone, mains(running(), running(), true, false)},
			wantReady: "1/2",
		},
		{
			name: "sidecar counts in total and ready",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Spec.InitContainers[0].RestartPolicy = &always
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: running(), Started: &yes, Ready: true,
					RestartCount: 2, LastTerminationState: finished(5 * time.Minute)}}
			}, mains(running(), running(), true, true)},
			wantReady:       "3/3",
			wantRestarts:    2,
			wantLastRestart: 5 * time.Minute,
		},
		{
			name: "restarts sum main containers with latest finish",
			mutate: []func(*v1.Pod){initDone, func(p *v1.Pod) {
				p.Status.ContainerStatuses = []v1.ContainerStatus{
					{Name: "app", State: running(), Ready: true, RestartCount: 3, LastTerminationState: finished(10 * time.Minute)},
					{Name: "log", State: running(), Ready: true, RestartCount: 1, LastTerminationState: finished(2 * time.Minute)},
				}
			}},
			wantReady:       "2/2",
			wantRestarts:    4,
			wantLastRestart: 2 * time.Minute,
		},
		{
			name: "while initializing restarts count init containers",
			mutate: []func(*v1.Pod){func(p *v1.Pod) {
				p.Status.InitContainerStatuses = []v1.ContainerStatus{{Name: "init", State: waiting("CrashLoopBackOff"),
					RestartCount: 4, LastTerminationState: finished(30 * time.Second)}}
			}},
			wantReady:       "0/2",
			wantRestarts:    4,
			wantLastRestart: 30 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := basePod()
			for _, m := range tc.mutate {
				m(p)
			}
			s := summarizePod(p)
			if got := fmt.Sprintf("%d/%d", s.ready, s.total); got != tc.wantReady {
				t.Errorf("ready = %s, want %s", got, tc.wantReady)
			}
			if s.restarts != tc.wantRestarts {
				t.Errorf("restarts = %d, want %d", s.restarts, tc.wantRestarts)
			}
			var wantLast time.Time
			if tc.wantLastRestart != 0 {
				wantLast = testNow.Add(-tc.wantLastRestart)
			}
			if !s.lastRestart.Equal(wantLast) {
				t.Errorf("lastRestart = %v, want %v", s.lastRestart, wantLast)
			}
		})
	}
}
