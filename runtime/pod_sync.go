package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// errHeld says a step was not tried because its back-off has not run out.
var errHeld = errors.New("held by back-off")

// sync observes the pod, publishes its status, computes the next steps and performs them. It returns
// when the pod wants syncing again: at once after it changed something (to observe and report the
// result), when a back-off runs out, or at the resync period.
func (w *podWorker) sync(ctx context.Context, pod *v1.Pod) time.Duration {
	observed, err := w.m.cfg.Runtime.GetPod(ctx, w.uid)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("observe pod", "err", err)
		}
		return w.retry("observe")
	}
	now := w.m.clock.Now()
	actions := computePodActions(pod, observed, w.restarts, now)
	w.publish(pod, observed, actions.Waiting)

	acted, wait := w.execute(ctx, pod, observed, actions)
	if acted && ctx.Err() == nil {
		return 0
	}
	next := w.m.cfg.ResyncPeriod
	for _, d := range []time.Duration{wait, actions.Recheck} {
		if d > 0 && d < next {
			next = d
		}
	}
	return next
}

// execute performs the actions in order and stops at the first hard failure, leaving the rest to
// the next sync. It reports whether it changed anything, and how soon a failed step may be retried.
func (w *podWorker) execute(ctx context.Context, pod *v1.Pod, observed *PodStatus, a podActions) (acted bool, retry time.Duration) {
	if a.KillPod {
		changed, err := w.killPod(ctx, pod, observed)
		acted = changed
		if err != nil {
			w.log.Error("stop pod", "err", err)
			return acted, w.retry("kill")
		}
		if !a.CreateSandbox {
			return acted, 0
		}
	}
	for _, k := range a.ContainersToKill {
		w.log.Info("stopping container", "container", k.Status.Name, "reason", k.Reason)
		if err := w.m.cfg.Runtime.StopContainer(ctx, k.Status.ID, time.Duration(podGracePeriod(pod))*time.Second); err != nil {
			w.log.Error("stop container", "container", k.Status.Name, "err", err)
			return true, w.retry("kill")
		}
		acted = true
	}

	sb := observed.Sandbox()
	if a.CreateSandbox {
		now := w.m.clock.Now()
		if wait := w.failures.Pending("sandbox", now); wait > 0 {
			return acted, wait
		}
		created, err := w.m.cfg.Sandboxes.Run(ctx, SandboxRequest{
			Pod: pod, Attempt: a.Attempt, PodCreated: w.created, PodStarted: w.podStarted(observed, now),
		})
		if err != nil {
			if ctx.Err() != nil {
				return acted, 0
			}
			w.sandboxErr = err.Error()
			w.log.Error("create sandbox", "err", err)
			return true, w.retry("sandbox")
		}
		w.failures.Reset("sandbox")
		w.sandboxErr = ""
		sb = created
		acted = true
	}
	if a.InitToStart < 0 && len(a.ContainersToStart) == 0 {
		return acted, 0
	}
	paths, err := w.m.cfg.Volumes.Setup(pod)
	if err != nil {
		w.log.Error("set up volumes", "err", err)
		for _, c := range pendingContainers(pod, a) {
			w.waiting[c.Name] = waitingReason{Reason: "CreateContainerConfigError", Message: err.Error()}
		}
		return acted, w.retry("volumes")
	}
	if a.InitToStart >= 0 {
		err := w.startContainer(ctx, pod, sb, &pod.Spec.InitContainers[a.InitToStart], KindInit, observed, paths)
		return w.started(acted, err)
	}
	for _, i := range a.ContainersToStart {
		err := w.startContainer(ctx, pod, sb, &pod.Spec.Containers[i], KindMain, observed, paths)
		if acted, retry = w.started(acted, err); retry > 0 {
			return acted, retry
		}
	}
	w.gcInstances(ctx, observed)
	return acted, 0
}

func (w *podWorker) started(acted bool, err error) (bool, time.Duration) {
	switch {
	case err == nil:
		return true, 0
	case errors.Is(err, errHeld):
		return acted, w.failures.Initial
	default:
		return true, w.retry("start")
	}
}

func pendingContainers(pod *v1.Pod, a podActions) []*v1.Container {
	var out []*v1.Container
	if a.InitToStart >= 0 {
		out = append(out, &pod.Spec.InitContainers[a.InitToStart])
	}
	for _, i := range a.ContainersToStart {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// podStarted is the pod's start time: kept from its first sandbox, else now.
func (w *podWorker) podStarted(observed *PodStatus, now time.Time) time.Time {
	for _, sb := range observed.Sandboxes {
		if !sb.PodStarted.IsZero() {
			return sb.PodStarted
		}
	}
	if w.lastStatus != nil && w.lastStatus.StartTime != nil {
		return w.lastStatus.StartTime.Time
	}
	return now
}

// startContainer makes and starts the next instance of a spec container in the sandbox. Failures
// are recorded as the container's waiting reason, as kubelet reports them.
func (w *podWorker) startContainer(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, c *v1.Container, kind ContainerKind, observed *PodStatus, paths map[string]string) error {
	rt := w.m.cfg.Runtime
	log := w.log.With("container", c.Name)
	now := w.m.clock.Now()
	attempt := 0
	latest := observed.Latest(c.Name)
	if latest != nil {
		attempt = latest.Attempt + 1
		if latest.State == StateCreated {
			// Made but never started (the agent stopped in between): replace it.
			if err := rt.RemoveContainer(ctx, latest.ID); err != nil {
				return fmt.Errorf("remove unstarted container: %w", err)
			}
			attempt = latest.Attempt
		}
	}

	key := backoffKey(pod, c.Name)
	if failed, ok := w.pullFailedAt[c.Name]; ok {
		if wait := w.pulls.Remaining(key, failed, 0, now); wait > 0 {
			w.waiting[c.Name] = waitingReason{Reason: "ImagePullBackOff", Message: fmt.Sprintf("Back-off pulling image %q", c.Image)}
			return errHeld
		}
	}
	img, err := rt.EnsureImage(ctx, c.Image, c.ImagePullPolicy)
	if err != nil {
		reason := "ErrImagePull"
		switch {
		case errors.Is(err, ErrImageNeverPull):
			reason = "ErrImageNeverPull"
		case errors.Is(err, ErrInvalidImageName):
			reason = "InvalidImageName"
		}
		w.waiting[c.Name] = waitingReason{Reason: reason, Message: err.Error()}
		w.pullFailedAt[c.Name] = now
		w.pulls.Next(key, now, 0)
		log.Warn("image not available", "image", c.Image, "reason", reason, "err", err)
		return err
	}
	delete(w.pullFailedAt, c.Name)
	w.pulls.Reset(key)

	volumeMounts, err := w.m.cfg.Volumes.ContainerMounts(pod, c, paths)
	if err != nil {
		w.waiting[c.Name] = waitingReason{Reason: "CreateContainerConfigError", Message: err.Error()}
		return err
	}
	cfg, err := buildContainerConfig(containerInputs{
		pod: pod, c: c, kind: kind, attempt: attempt, sandbox: sb, image: img,
		mounts:   containerMounts(w.m.cfg.Sandboxes.Mounts(sb.ID, pod), volumeMounts),
		logPath:  logPath(w.m.cfg.LogDir, pod, c.Name, attempt),
		nodeName: w.m.cfg.NodeName, hostIPs: w.m.cfg.HostIPs,
	})
	if err != nil {
		w.waiting[c.Name] = waitingReason{Reason: "CreateContainerConfigError", Message: err.Error()}
		return err
	}
	if latest != nil && latest.State == StateExited {
		w.restarts.Next(key, latest.FinishedAt, latest.FinishedAt.Sub(latest.StartedAt))
	}
	id, err := rt.CreateContainer(ctx, cfg)
	if err != nil {
		w.waiting[c.Name] = waitingReason{Reason: "CreateContainerError", Message: err.Error()}
		return err
	}
	delete(w.waiting, c.Name)
	if err := rt.StartContainer(ctx, id, cfg.LogPath); err != nil {
		// Recorded on the container as exited with StartError; the restart policy takes it from here.
		log.Error("start container", "err", err)
		return err
	}
	log.Info("started container", "id", id, "attempt", attempt)
	return nil
}

// gcInstances removes exited instances beyond the newest two of each container (the current one
// and the previous, which status reports as lastState).
func (w *podWorker) gcInstances(ctx context.Context, observed *PodStatus) {
	seen := map[string]int{}
	for _, c := range observed.Containers {
		seen[c.Name]++
		if seen[c.Name] <= 2 || c.State != StateExited {
			continue
		}
		if err := w.m.cfg.Runtime.RemoveContainer(ctx, c.ID); err != nil {
			w.log.Warn("remove old container instance", "container", c.Name, "id", c.ID, "err", err)
		}
	}
}
