package runtime

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// podActions is what one sync of a pod will do, computed with no I/O by computePodActions.
type podActions struct {
	// KillPod stops every running container and removes the pod's sandboxes, keeping the
	// containers' records for status.
	KillPod bool
	// CreateSandbox makes a new sandbox with this attempt number after KillPod.
	CreateSandbox bool
	Attempt       int
	// InitToStart is the index of the init container to start next, or -1.
	InitToStart int
	// ContainersToStart are indexes into spec.containers.
	ContainersToStart []int
	// ContainersToKill are running instances to stop, with why.
	ContainersToKill []containerKill
	// Waiting holds containers held back, by name, with the kubelet reason (CrashLoopBackOff).
	Waiting map[string]waitingReason
	// Recheck is when a held-back container may go; 0 when nothing is held back.
	Recheck time.Duration
}

type containerKill struct {
	Status *ContainerStatus
	Reason string
	Grace  *int64 // seconds; nil: the pod's terminationGracePeriodSeconds
}

type waitingReason struct {
	Reason, Message string
}

func (a *podActions) hold(name, reason, msg string, wait time.Duration) {
	if a.Waiting == nil {
		a.Waiting = map[string]waitingReason{}
	}
	a.Waiting[name] = waitingReason{Reason: reason, Message: msg}
	if a.Recheck == 0 || wait < a.Recheck {
		a.Recheck = wait
	}
}

// shouldRestart applies the pod's restartPolicy to a container's exit.
func shouldRestart(policy v1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case v1.RestartPolicyNever:
		return false
	case v1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

// backoffKey names a container's back-off: a changed spec starts afresh, as in kubelet.
func backoffKey(pod *v1.Pod, c *v1.Container) string {
	return string(pod.UID) + "/" + c.Name + "/" + containerHash(c)
}

// restartGate asks the back-off whether an exited instance may restart now. If not, the container
// is held with CrashLoopBackOff and the message kubelet gives.
func restartGate(a *podActions, pod *v1.Pod, c *v1.Container, st *ContainerStatus, bo *Backoff, now time.Time) bool {
	key := backoffKey(pod, c)
	wait := bo.Remaining(key, st.FinishedAt, st.FinishedAt.Sub(st.StartedAt), now)
	if wait <= 0 {
		return true
	}
	a.hold(st.Name, "CrashLoopBackOff", fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
		bo.Delay(key), st.Name, pod.Name, pod.Namespace, pod.UID), wait)
	return false
}

// computePodActions decides the next steps for a pod from its spec and what the runtime holds, as
// kubelet's kuberuntime manager does:
//
//   - no ready sandbox: kill what is left and make a new one, unless the pod is done (restartPolicy
//     Never with containers that already ran, or nothing left to start);
//   - init containers one at a time, in order, within the current sandbox; a failure under Never
//     ends the pod;
//   - then each main container that never ran, or exited and should restart under the policy and
//     the back-off; an instance created but never started (the agent died in between) is
//     replaced, as if it did not exist;
//   - nothing running, nothing to start, nothing waiting: the pod is done, its sandbox goes.
//   - a running container whose liveness or startup probe failed is killed; the restart policy
//     takes it from there.
func computePodActions(pod *v1.Pod, observed *PodStatus, results probeResults, bo *Backoff, now time.Time) podActions {
	a := podActions{InitToStart: -1}
	sb := observed.Sandbox()
	ready := 0
	for _, s := range observed.Sandboxes {
		if s.State == SandboxReady {
			ready++
		}
	}
	if sb == nil || sb.State != SandboxReady || ready > 1 || (!pod.Spec.HostNetwork && len(sb.IPs) == 0) {
		return sandboxChanged(pod, observed, bo, now)
	}

	// Init containers, within the current sandbox.
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		st := latestIn(observed, c.Name, sb.ID)
		if isSidecar(c) {
			// A sidecar counts as done once started (its startup probe passed); it restarts whenever
			// it exits.
			if st == nil || st.State == StateCreated || (st.State == StateExited && restartGate(&a, pod, c, st, bo, now)) {
				a.InitToStart = i
				return a
			}
			h := healthOf(results, c, st)
			if h.Unhealthy != "" {
				a.ContainersToKill = append(a.ContainersToKill, unhealthyKill(c, st, h.Unhealthy))
			}
			if st.State == StateRunning && !h.Started {
				return a
			}
			continue
		}
		switch {
		case st == nil, st.State == StateCreated: // created, never started: the agent died between
			a.InitToStart = i
			return a
		case st.State == StateExited && st.ExitCode == 0:
			continue
		case st.State == StateExited:
			if pod.Spec.RestartPolicy == v1.RestartPolicyNever {
				a.KillPod = true // the pod failed
				return a
			}
			if restartGate(&a, pod, c, st, bo, now) {
				a.InitToStart = i
			}
			return a
		default: // running or created: wait for it
			return a
		}
	}

	keep := 0
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		st := observed.Latest(c.Name)
		switch {
		case st == nil, st.State == StateCreated: // created, never started: the agent died between
			a.ContainersToStart = append(a.ContainersToStart, i)
		case st.State == StateExited:
			if !shouldRestart(pod.Spec.RestartPolicy, st.ExitCode) {
				continue
			}
			if restartGate(&a, pod, c, st, bo, now) {
				a.ContainersToStart = append(a.ContainersToStart, i)
			} else {
				keep++
			}
		case st.SandboxID != sb.ID:
			// Still running from an earlier sandbox: it cannot share this one's namespaces.
			a.ContainersToKill = append(a.ContainersToKill, containerKill{Status: st, Reason: "its sandbox was replaced"})
			a.ContainersToStart = append(a.ContainersToStart, i)
		case st.Hash != "" && st.Hash != containerHash(c):
			// The manifest changed this container in place.
			a.ContainersToKill = append(a.ContainersToKill, containerKill{Status: st,
				Reason: fmt.Sprintf("Container %s definition changed, will be restarted", c.Name)})
			a.ContainersToStart = append(a.ContainersToStart, i)
		default:
			if h := healthOf(results, c, st); h.Unhealthy != "" {
				a.ContainersToKill = append(a.ContainersToKill, unhealthyKill(c, st, h.Unhealthy))
			}
			keep++
		}
	}
	// Sidecars alone do not keep a pod whose main containers are all done.
	if keep == 0 && len(a.ContainersToStart) == 0 {
		a.KillPod = true // every main container is done for good
	}
	return a
}

// sandboxChanged handles a pod without a usable sandbox.
func sandboxChanged(pod *v1.Pod, observed *PodStatus, bo *Backoff, now time.Time) podActions {
	a := podActions{InitToStart: -1, KillPod: true}
	if sb := observed.Sandbox(); sb != nil {
		a.Attempt = sb.Attempt + 1
	}
	if pod.Spec.RestartPolicy == v1.RestartPolicyNever && a.Attempt > 0 && len(observed.Containers) > 0 {
		return a // the pod ran once and never restarts: done
	}
	if len(pod.Spec.InitContainers) > 0 {
		if initFailedForGood(pod, observed) {
			return a
		}
		a.CreateSandbox = true
		a.InitToStart = 0
		return a
	}
	for i := range pod.Spec.Containers {
		st := observed.Latest(pod.Spec.Containers[i].Name)
		if st != nil && st.State == StateExited && !shouldRestart(pod.Spec.RestartPolicy, st.ExitCode) {
			continue
		}
		a.ContainersToStart = append(a.ContainersToStart, i)
	}
	if len(a.ContainersToStart) == 0 {
		return a // nothing left to run: no sandbox
	}
	a.CreateSandbox = true
	return a
}

// initFailedForGood: under Never, an init container that failed ends the pod.
func initFailedForGood(pod *v1.Pod, observed *PodStatus) bool {
	if pod.Spec.RestartPolicy != v1.RestartPolicyNever {
		return false
	}
	for _, c := range pod.Spec.InitContainers {
		if st := observed.Latest(c.Name); st != nil && st.State == StateExited && st.ExitCode != 0 && !isSidecar(&c) {
			return true
		}
	}
	return false
}

// latestIn is the newest instance of name in the given sandbox.
func latestIn(observed *PodStatus, name, sandboxID string) *ContainerStatus {
	for _, c := range observed.Instances(name) {
		if c.SandboxID == sandboxID {
			return c
		}
	}
	return nil
}
