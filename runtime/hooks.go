package runtime

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
)

// hookTarget is where a hook or probe of the container runs: exec inside it, HTTP to the pod IP.
func (w *podWorker) hookTarget(pod *v1.Pod, sb *SandboxStatus, c *v1.Container, containerID string) action.Target {
	return action.Target{PodIP: podIP(pod, sb, w.m.cfg.HostIPs), ContainerID: containerID, Container: c, Exec: w.m.cfg.Runtime}
}

// podIP is the address probes and hooks reach the pod at.
func podIP(pod *v1.Pod, sb *SandboxStatus, hostIPs []string) string {
	if sb != nil && len(sb.IPs) > 0 {
		return sb.IPs[0]
	}
	if pod.Spec.HostNetwork && len(hostIPs) > 0 {
		return hostIPs[0]
	}
	return ""
}

// runPostStart runs the container's postStart hook right after it started; the next container of
// the pod waits for it, as in kubelet. If it fails, the container is killed (event
// FailedPostStartHook) and the restart policy takes over. The event never carries the hook's
// output, which may hold secrets.
func (w *podWorker) runPostStart(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, c *v1.Container, id string) error {
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return nil
	}
	err := action.Hook(ctx, c.Lifecycle.PostStart, w.hookTarget(pod, sb, c, id))
	if err == nil {
		return nil
	}
	w.log.Warn("postStart hook failed; killing the container", "container", c.Name, "err", err)
	w.event(pod, c.Name, v1.EventTypeWarning, "FailedPostStartHook", "PostStartHook failed: "+err.Error())
	st := &ContainerStatus{ID: id, Name: c.Name}
	if kerr := w.stopContainer(ctx, pod, sb, st, time.Duration(podGracePeriod(pod))*time.Second, "FailedPostStartHook"); kerr != nil {
		return fmt.Errorf("postStart hook failed (%w), and killing the container failed: %w", err, kerr)
	}
	return fmt.Errorf("postStart hook: %w", err)
}

// stopContainer stops a container the agent decided to stop: its preStop hook first, then the
// stop signal, SIGKILL once the grace period (counted from the start of preStop) is over; every
// stop gets at least minimumGracePeriod after the hook.
func (w *podWorker) stopContainer(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, st *ContainerStatus, grace time.Duration, reason string) error {
	start := w.m.clock.Now()
	if pod != nil {
		w.event(pod, st.Name, v1.EventTypeNormal, "Killing", killingMessage(st.Name, reason))
		if c := containerSpec(pod, st.Name); c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil && st.State != StateExited {
			hctx, cancel := context.WithTimeout(ctx, grace)
			err := action.Hook(hctx, c.Lifecycle.PreStop, w.hookTarget(pod, sb, c, st.ID))
			cancel()
			if err != nil {
				w.log.Warn("preStop hook failed", "container", st.Name, "err", err)
				w.event(pod, st.Name, v1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed: "+err.Error())
			}
		}
	}
	left := max(grace-w.m.clock.Now().Sub(start), minimumGracePeriod)
	return w.m.cfg.Runtime.StopContainer(ctx, st.ID, left)
}

func killingMessage(name, reason string) string {
	if reason == "" {
		return "Stopping container " + name
	}
	return reason
}

func containerSpec(pod *v1.Pod, name string) *v1.Container {
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// probeTargets tells the prober which instance of each probed container runs now.
func probeTargets(pod *v1.Pod, observed *PodStatus) []probes.ContainerState {
	var out []probes.ContainerState
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if st := observed.Latest(c.Name); st != nil {
				out = append(out, probes.ContainerState{Name: c.Name, ID: st.ID, Running: st.State == StateRunning, StartedAt: st.StartedAt})
			}
		}
	}
	return out
}
