package runtime

import (
	v1 "k8s.io/api/core/v1"
)

// getPhase is kubelet's pod phase rule over the container statuses it reports:
//
//	Pending   an init container is waiting, running or failed-but-will-retry; or a main container
//	          is waiting and none is running
//	Running   any main container runs, or all stopped and some will restart
//	Succeeded all main containers exited 0 and none will restart
//	Failed    an init container failed under Never; or all stopped, none will restart, one failed
//
// Sidecars (init containers with restartPolicy Always) do not count once initialisation is done.
func getPhase(pod *v1.Pod, initStatuses, statuses []v1.ContainerStatus) v1.PodPhase {
	spec := &pod.Spec
	byName := func(list []v1.ContainerStatus, name string) *v1.ContainerStatus {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
		return nil
	}
	pendingInit := false
	for _, c := range spec.InitContainers {
		st := byName(initStatuses, c.Name)
		if st == nil {
			return v1.PodPending
		}
		if isSidecar(&c) {
			if st.State.Running == nil && st.RestartCount == 0 && st.LastTerminationState.Terminated == nil {
				pendingInit = true // never started yet
			}
			continue
		}
		switch {
		case st.State.Running != nil:
			pendingInit = true
		case st.State.Terminated != nil && st.State.Terminated.ExitCode == 0:
		case st.State.Terminated != nil:
			if spec.RestartPolicy == v1.RestartPolicyNever {
				return v1.PodFailed
			}
			pendingInit = true
		case st.State.Waiting != nil:
			if st.LastTerminationState.Terminated != nil && st.LastTerminationState.Terminated.ExitCode == 0 {
				continue // done once; waiting only because the pod is restarting around it
			}
			pendingInit = true
		default:
			pendingInit = true
		}
		if pendingInit {
			break
		}
	}
	var unknown, running, waiting, stopped, succeeded int
	for _, c := range spec.Containers {
		st := byName(statuses, c.Name)
		if st == nil {
			unknown++
			continue
		}
		switch {
		case st.State.Running != nil:
			running++
		case st.State.Terminated != nil:
			stopped++
			if st.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case st.State.Waiting != nil:
			if st.LastTerminationState.Terminated != nil {
				stopped++ // waiting to restart
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	if pendingInit {
		return v1.PodPending
	}
	switch {
	case waiting > 0:
		return v1.PodPending
	case running > 0 && unknown == 0:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		switch spec.RestartPolicy {
		case v1.RestartPolicyAlways:
			return v1.PodRunning
		case v1.RestartPolicyOnFailure:
			if stopped == succeeded {
				return v1.PodSucceeded
			}
			return v1.PodRunning
		default:
			if stopped == succeeded {
				return v1.PodSucceeded
			}
			return v1.PodFailed
		}
	default:
		return v1.PodPending
	}
}

// isSidecar tells an init container with restartPolicy Always.
func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}
