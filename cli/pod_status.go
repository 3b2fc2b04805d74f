package cli

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// nodeUnreachablePodReason is the status.reason the node lifecycle controller
// sets on pods of a lost node; kubectl shows such pods as Unknown.
const nodeUnreachablePodReason = "NodeLost"

// podSummary is what kubectl derives from a pod for its READY, STATUS and
// RESTARTS columns.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
	lastRestart  time.Time // latest lastState.terminated.finishedAt counted in restarts; zero if none
}

// PodStatus returns kubectl's STATUS column for pod.
func PodStatus(pod *v1.Pod) string { return summarizePod(pod).status }

// summarizePod follows kubectl's printPod (pkg/printers/internalversion):
//
//  1. Start from status.phase, or status.reason when set (e.g. HostPortConflict),
//     or SchedulingGated.
//  2. Walk init containers in order: skip those that exited 0 and started
//     sidecars; the first other one decides Init:<reason>, Init:ExitCode:N,
//     Init:Signal:N or Init:N/M, and the pod is still initializing.
//  3. Once initialized, walk main containers from last to first so that the
//     first container's state wins: a waiting reason, a terminated reason, or
//     ExitCode:N / Signal:N. Completed turns back into Running (or NotReady
//     without the Ready condition) while another container still runs.
//  4. A deletionTimestamp on a pod that is not finished shows Terminating.
//
// READY counts ready main containers and started, ready sidecars over main
// containers plus sidecars. RESTARTS sums restart counts: of every init
// container while initializing, else of sidecars and main containers.
func summarizePod(pod *v1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers)}
	phase := pod.Status.Phase
	s.status = string(phase)
	if pod.Status.Reason != "" {
		s.status = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == v1.PodScheduled && c.Reason == v1.PodReasonSchedulingGated {
			s.status = v1.PodReasonSchedulingGated
		}
	}

	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			sidecars[pod.Spec.InitContainers[i].Name] = true
			s.total++
		}
	}

	var sidecarRestarts int
	var lastSidecarRestart time.Time
	initializing := false
	for i, c := range pod.Status.InitContainerStatuses {
		s.restarts += int(c.RestartCount)
		s.lastRestart = later(s.lastRestart, lastFinished(c))
		if sidecars[c.Name] {
			sidecarRestarts += int(c.RestartCount)
			lastSidecarRestart = later(lastSidecarRestart, lastFinished(c))
		}
		switch term, wait := c.State.Terminated, c.State.Waiting; {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecars[c.Name] && c.Started != nil && *c.Started:
			if c.Ready {
				s.ready++
			}
			continue
		case term != nil:
			s.status = "Init:" + terminatedReason(term)
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			s.status = "Init:" + wait.Reason
		default:
			s.status = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || hasCondition(pod, v1.PodInitialized) {
		s.restarts = sidecarRestarts
		s.lastRestart = lastSidecarRestart
		running := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := pod.Status.ContainerStatuses[i]
			s.restarts += int(c.RestartCount)
			s.lastRestart = later(s.lastRestart, lastFinished(c))
			switch term, wait := c.State.Terminated, c.State.Waiting; {
			case wait != nil && wait.Reason != "":
				s.status = wait.Reason
			case term != nil:
				s.status = terminatedReason(term)
			case c.Ready && c.State.Running != nil:
				running = true
				s.ready++
			}
		}
		if s.status == "Completed" && running {
			if hasCondition(pod, v1.PodReady) {
				s.status = "Running"
			} else {
				s.status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeUnreachablePodReason:
			s.status = "Unknown"
		case phase != v1.PodSucceeded && phase != v1.PodFailed:
			s.status = "Terminating"
		}
	}
	return s
}

// terminatedReason is the reason of a terminated container, else
// Signal:N or ExitCode:N.
func terminatedReason(t *v1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// isSidecar reports whether an init container is a restartable (sidecar) one.
func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

// hasCondition reports whether the pod has condition t with status True.
func hasCondition(pod *v1.Pod, t v1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

// lastFinished is when the previous run of a container ended, or zero.
func lastFinished(c v1.ContainerStatus) time.Time {
	if t := c.LastTerminationState.Terminated; t != nil {
		return t.FinishedAt.Time
	}
	return time.Time{}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
