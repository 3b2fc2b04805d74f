package runtime

import (
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusInputs is everything generatePodStatus reads.
type statusInputs struct {
	pod      *v1.Pod
	observed *PodStatus
	// waiting holds the reason a container is not running that only the last sync knows
	// (ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerError...).
	waiting map[string]waitingReason
	// sandboxError is why the last sandbox creation failed, if it did.
	sandboxError string
	// terminal is set when the agent ended the pod (activeDeadlineSeconds).
	terminal *terminalState
	// results are the probes' counted results; nil when no probes run.
	results probeResults
	prev    *v1.PodStatus
	hostIPs []string
	now     time.Time
}

// generatePodStatus is pure: the pod's status as Kubernetes defines it, from what the runtime
// holds and what the last sync learnt.
func generatePodStatus(in statusInputs) v1.PodStatus {
	pod := in.pod
	st := v1.PodStatus{QOSClass: qosClass(pod)}
	if in.prev != nil {
		st.StartTime = in.prev.StartTime
		st.PodIPs = in.prev.PodIPs
	}
	sb := in.observed.Sandbox()
	if sb != nil {
		if !sb.PodStarted.IsZero() {
			t := metav1.NewTime(sb.PodStarted)
			st.StartTime = &t
		}
		if len(sb.IPs) > 0 {
			st.PodIPs = nil
			for _, ip := range sb.IPs {
				st.PodIPs = append(st.PodIPs, v1.PodIP{IP: ip})
			}
		}
	}
	if len(st.PodIPs) > 0 {
		st.PodIP = st.PodIPs[0].IP
	}
	for _, ip := range in.hostIPs {
		st.HostIPs = append(st.HostIPs, v1.HostIP{IP: ip})
	}
	if len(in.hostIPs) > 0 {
		st.HostIP = in.hostIPs[0]
	}

	initDone := allInitDone(pod, in.observed)
	for i := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(in, &pod.Spec.InitContainers[i], "PodInitializing"))
	}
	mainDefault := "ContainerCreating"
	if !initDone {
		mainDefault = "PodInitializing"
	}
	for i := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(in, &pod.Spec.Containers[i], mainDefault))
	}
	if initDone && len(pod.Spec.InitContainers) > 0 {
		// Init containers that finished are shown as such even while the pod restarts around them.
		for i := range st.InitContainerStatuses {
			ics := &st.InitContainerStatuses[i]
			if ics.State.Waiting != nil && ics.State.Waiting.Reason == "PodInitializing" && ics.LastTerminationState.Terminated != nil {
				ics.State = ics.LastTerminationState
			}
		}
	}

	st.Phase = getPhase(pod, st.InitContainerStatuses, st.ContainerStatuses)
	if in.prev != nil && (in.prev.Phase == v1.PodSucceeded || in.prev.Phase == v1.PodFailed) {
		st.Phase = in.prev.Phase // the phase never leaves Succeeded or Failed
		st.Reason, st.Message = in.prev.Reason, in.prev.Message
	}
	if t := in.terminal; t != nil {
		st.Phase, st.Reason, st.Message = t.Phase, t.Reason, t.Message
	}
	st.Conditions = podConditions(in, &st, initDone)
	return st
}

// containerStatus is one container's v1 status from its newest and previous instances.
func containerStatus(in statusInputs, c *v1.Container, defaultWaiting string) v1.ContainerStatus {
	cs := v1.ContainerStatus{Name: c.Name, Image: c.Image, Started: new(bool)}
	instances := in.observed.Instances(c.Name)
	w, held := in.waiting[c.Name]
	if len(instances) == 0 {
		reason := defaultWaiting
		msg := ""
		if held {
			reason, msg = w.Reason, w.Message
		}
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: msg}
		return cs
	}
	latest := instances[0]
	cs.RestartCount = int32(latest.Attempt)
	cs.ContainerID = "containerd://" + latest.ID
	if latest.Image != "" {
		cs.Image = latest.Image
	}
	cs.ImageID = latest.ImageRef
	var previous *v1.ContainerStateTerminated
	if len(instances) > 1 && instances[1].State == StateExited {
		previous = terminated(instances[1])
	}
	switch latest.State {
	case StateRunning:
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: metav1.NewTime(latest.StartedAt)}
		h := healthOf(in.results, c, latest)
		cs.Ready, *cs.Started = h.Ready, h.Started
		cs.LastTerminationState.Terminated = previous
	case StateExited:
		if held {
			cs.State.Waiting = &v1.ContainerStateWaiting{Reason: w.Reason, Message: w.Message}
			cs.LastTerminationState.Terminated = terminated(latest)
		} else {
			cs.State.Terminated = terminated(latest)
			cs.LastTerminationState.Terminated = previous
		}
	default:
		reason, msg := "ContainerCreating", ""
		if held {
			reason, msg = w.Reason, w.Message
		}
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: msg}
		cs.LastTerminationState.Terminated = previous
	}
	return cs
}

func terminated(c *ContainerStatus) *v1.ContainerStateTerminated {
	reason := c.Reason
	if reason == "" {
		reason = "Error"
		if c.ExitCode == 0 {
			reason = "Completed"
		}
	}
	return &v1.ContainerStateTerminated{
		ExitCode:    c.ExitCode,
		Reason:      reason,
		Message:     c.Message,
		StartedAt:   metav1.NewTime(c.StartedAt),
		FinishedAt:  metav1.NewTime(c.FinishedAt),
		ContainerID: "containerd://" + c.ID,
	}
}

// allInitDone: every regular init container's newest instance exited 0 and every sidecar started.
func allInitDone(pod *v1.Pod, observed *PodStatus) bool {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st := observed.Latest(c.Name)
		if st == nil {
			return false
		}
		if isSidecar(c) {
			continue
		}
		if st.State != StateExited || st.ExitCode != 0 {
			return false
		}
	}
	return true
}

func podConditions(in statusInputs, st *v1.PodStatus, initDone bool) []v1.PodCondition {
	pod := in.pod
	terminal := st.Phase == v1.PodSucceeded || st.Phase == v1.PodFailed
	cond := func(t v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		c := v1.PodCondition{Type: t, Status: v1.ConditionFalse, Reason: reason, Message: msg}
		if ok {
			c.Status, c.Reason, c.Message = v1.ConditionTrue, "", ""
		}
		c.LastTransitionTime = metav1.NewTime(in.now)
		if in.prev != nil {
			for _, p := range in.prev.Conditions {
				if p.Type == t && p.Status == c.Status {
					c.LastTransitionTime = p.LastTransitionTime
				}
			}
		}
		return c
	}
	sb := in.observed.Sandbox()
	sandboxReady := sb != nil && sb.State == SandboxReady
	var notReady, notInit []string
	for _, cs := range st.ContainerStatuses {
		if !cs.Ready {
			notReady = append(notReady, cs.Name)
		}
	}
	for i, cs := range st.InitContainerStatuses {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(c) {
			if !cs.Ready {
				notReady = append(notReady, cs.Name)
			}
			continue
		}
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			notInit = append(notInit, cs.Name)
		}
	}
	readyReason, readyMsg := "ContainersNotReady", fmt.Sprintf("containers with unready status: [%s]", strings.Join(notReady, " "))
	if terminal {
		readyReason, readyMsg = "PodCompleted", ""
		if st.Phase == v1.PodFailed {
			readyReason = "PodFailed"
		}
	}
	containersReady := len(notReady) == 0 && !terminal
	// No one on a single node sets custom conditions: every readiness gate is unmet.
	gatesOK := len(pod.Spec.ReadinessGates) == 0
	var missingGates []string
	for _, g := range pod.Spec.ReadinessGates {
		missingGates = append(missingGates, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType))
	}
	readyMsgFull := readyMsg
	if containersReady && !gatesOK {
		readyReason, readyMsgFull = "ReadinessGatesNotReady", strings.Join(missingGates, ", ")
	}
	initialized := cond(v1.PodInitialized, initDone, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(notInit, " ")))
	if initDone && st.Phase == v1.PodSucceeded {
		initialized.Reason = "PodCompleted" // kubelet's word for a pod that ran to completion
	}
	return []v1.PodCondition{
		cond(v1.PodReadyToStartContainers, sandboxReady, "", in.sandboxError),
		initialized,
		cond(v1.PodReady, containersReady && gatesOK, readyReason, readyMsgFull),
		cond(v1.ContainersReady, containersReady, readyReason, readyMsg),
		cond(v1.PodScheduled, true, "", ""),
	}
}

// qosClass is Kubernetes' QoS rule: BestEffort without any request or limit; Guaranteed when every
// container limits CPU and memory and requests equal limits; Burstable otherwise.
func qosClass(pod *v1.Pod) v1.PodQOSClass {
	all := append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	anySet, guaranteed := false, true
	for _, c := range all {
		for _, r := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			if (hasReq && req.Sign() > 0) || (hasLim && lim.Sign() > 0) {
				anySet = true
			}
			if !hasLim || lim.Sign() <= 0 || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !anySet:
		return v1.PodQOSBestEffort
	case guaranteed:
		return v1.PodQOSGuaranteed
	default:
		return v1.PodQOSBurstable
	}
}
