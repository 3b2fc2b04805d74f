package runtime

import (
	"time"

	v1 "k8s.io/api/core/v1"
)

// podStartTracker decides when a pod has started, for kubelet_pod_start_duration_seconds: the
// first status in which every main container runs, of a pod this agent created. A pod the
// runtime already held when its worker began (adopted after an agent restart) is not measured:
// its start was measured by the agent that made it.
//
//	unknown --(first sync finds a sandbox)--> adopted (never measured)
//	unknown --(first sync finds nothing)--> starting --(all main containers running)--> started
type podStartTracker struct {
	decided bool // the first observation has been made
	pending bool // this agent is starting the pod and has not yet seen it run
}

// observe takes one sync's observation and status and returns how long the start took, once.
func (t *podStartTracker) observe(observed *PodStatus, st *v1.PodStatus, created, now time.Time) (time.Duration, bool) {
	if !t.decided {
		t.decided = true
		t.pending = observed.Sandbox() == nil && len(observed.Containers) == 0
	}
	if !t.pending || !allMainRunning(st) {
		return 0, false
	}
	t.pending = false
	return max(now.Sub(created), 0), true
}

// allMainRunning tells whether the pod has main containers and all of them run.
func allMainRunning(st *v1.PodStatus) bool {
	if len(st.ContainerStatuses) == 0 {
		return false
	}
	for _, cs := range st.ContainerStatuses {
		if cs.State.Running == nil {
			return false
		}
	}
	return true
}
