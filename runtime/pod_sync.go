package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/faults"
)

// errHeld says a step was not tried because its back-off has not run out.
var errHeld = errors.New("held by back-off")

// sync observes the pod, publishes its status, computes the next steps and performs them. It returns
// when the pod wants syncing again: at once after it changed something (to observe and report the
// result), when a back-off or the active deadline runs out, or at the resync period.
func (w *podWorker) sync(ctx context.Context, pod *v1.Pod, manifestUID types.UID) time.Duration {
	observed, err := w.m.cfg.Runtime.GetPod(ctx, w.uid)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("observe pod", "err", err)
		}
		return w.retry("observe")
	}
	w.failures.Reset("observe") // a shim that did not answer once does not slow later retries
	now := w.m.clock.Now()
	deadlineIn := w.checkDeadline(pod, observed, now)
	w.m.probes.Sync(pod, podIP(pod, observed.Sandbox(), w.m.cfg.HostIPs), probeTargets(pod, observed))
	var actions podActions
	if w.terminal != nil {
		actions = podActions{KillPod: true, InitToStart: -1}
	} else {
		actions = computePodActions(pod, observed, w.m.probes.Result, w.restarts, now)
	}
	for name, held := range actions.Waiting {
		if w.lastWaiting(name) != held.Reason {
			w.event(pod, name, v1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", name, pod.Name, pod.Namespace, pod.UID))
		}
	}
	w.publish(pod, observed, actions.Waiting)
	if probed := w.m.probes.Results(w.uid); !maps.Equal(probed, w.savedProbes) {
		w.savedProbes, w.saved = probed, false
	}
	w.saveCheckpoint(pod, manifestUID)

	acted, wait := w.execute(ctx, pod, observed, actions)
	w.saveCheckpoint(pod, manifestUID)
	if acted && ctx.Err() == nil {
		return 0
	}
	next := w.m.cfg.ResyncPeriod
	for _, d := range []time.Duration{wait, actions.Recheck, deadlineIn} {
		if d > 0 && d < next {
			next = d
		}
	}
	return next
}

// lastWaiting is the waiting reason the container showed in the last published status.
func (w *podWorker) lastWaiting(name string) string {
	if w.lastStatus == nil {
		return ""
	}
	for _, list := range [][]v1.ContainerStatus{w.lastStatus.InitContainerStatuses, w.lastStatus.ContainerStatuses} {
		for _, cs := range list {
			if cs.Name == name && cs.State.Waiting != nil {
				return cs.State.Waiting.Reason
			}
		}
	}
	return ""
}

// checkDeadline ends the pod once it has been active longer than activeDeadlineSeconds, as
// kubelet does: Failed with reason DeadlineExceeded. It returns how long until the deadline.
func (w *podWorker) checkDeadline(pod *v1.Pod, observed *PodStatus, now time.Time) time.Duration {
	if w.terminal != nil || pod.Spec.ActiveDeadlineSeconds == nil {
		return 0
	}
	started := w.podStarted(observed, time.Time{})
	if started.IsZero() {
		return 0
	}
	deadline := started.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
	if now.Before(deadline) {
		return deadline.Sub(now)
	}
	const msg = "Pod was active on the node longer than the specified deadline"
	w.terminal = &terminalState{Phase: v1.PodFailed, Reason: "DeadlineExceeded", Message: msg}
	w.saved = false
	w.log.Info("active deadline exceeded; stopping the pod")
	w.event(pod, "", v1.EventTypeNormal, "DeadlineExceeded", msg)
	return 0
}

// execute performs the actions in order and stops at the first hard failure, leaving the rest to
// the next sync. It reports whether it changed anything, and how soon a failed step may be retried.
func (w *podWorker) execute(ctx context.Context, pod *v1.Pod, observed *PodStatus, a podActions) (acted bool, retry time.Duration) {
	if a.KillPod {
		if a.CreateSandbox && observed.Sandbox() != nil {
			w.event(pod, "", v1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
		}
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
		grace := podGracePeriod(pod)
		if k.Grace != nil {
			grace = *k.Grace
		}
		if err := w.stopContainer(ctx, pod, observed.Sandbox(), k.Status, time.Duration(grace)*time.Second, k.Reason); err != nil {
			w.log.Error("stop container", "container", k.Status.Name, "err", err)
			return true, w.retry("kill")
		}
		acted = true
	}

	sb := observed.Sandbox()
	if a.CreateSandbox || a.InitToStart >= 0 || len(a.ContainersToStart) > 0 {
		parent, err := w.ensureCgroup(pod)
		if err != nil {
			w.log.Error("create pod cgroup", "err", err)
			w.event(pod, "", v1.EventTypeWarning, "FailedCreatePodContainer", "unable to ensure pod container exists: "+err.Error())
			return acted, w.retry("sandbox")
		}
		w.cgroupParent = parent
	}
	if a.CreateSandbox {
		now := w.m.clock.Now()
		if wait := w.failures.Pending("sandbox", now); wait > 0 {
			return acted, wait
		}
		created, err := w.m.cfg.Sandboxes.Run(ctx, SandboxRequest{
			Pod: pod, Attempt: a.Attempt, PodCreated: w.created, PodStarted: w.podStarted(observed, now),
			CgroupParent: w.cgroupParent,
		})
		if err != nil {
			if ctx.Err() != nil {
				return acted, 0
			}
			w.sandboxErr = err.Error()
			w.log.Error("create sandbox", "err", err)
			w.event(pod, "", v1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: "+err.Error())
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
		w.event(pod, "", v1.EventTypeWarning, "FailedMount", err.Error())
		for _, c := range pendingContainers(pod, a) {
			w.waiting[c.Name] = waitingReason{Reason: "CreateContainerConfigError", Message: err.Error()}
		}
		return acted, w.retry("volumes")
	}
	if a.InitToStart >= 0 {
		err := w.startContainer(ctx, pod, sb, &pod.Spec.InitContainers[a.InitToStart], KindInit, observed, paths)
		return w.started(acted, err)
	}
	if len(a.ContainersToStart) > 0 {
		err := w.startMains(ctx, pod, sb, a.ContainersToStart, observed, paths)
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

// podStarted is the pod's start time: kept from its first sandbox, else from the last status,
// else def.
func (w *podWorker) podStarted(observed *PodStatus, def time.Time) time.Time {
	for _, sb := range observed.Sandboxes {
		if !sb.PodStarted.IsZero() {
			return sb.PodStarted
		}
	}
	if w.lastStatus != nil && w.lastStatus.StartTime != nil {
		return w.lastStatus.StartTime.Time
	}
	return def
}

// startContainer makes and starts the next instance of a spec container in the sandbox. Failures
// are recorded as the container's waiting reason and as events, as kubelet reports them.
func (w *podWorker) startContainer(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, c *v1.Container, kind ContainerKind, observed *PodStatus, paths map[string]string) error {
	p, err := w.prepareContainer(ctx, pod, sb, c, kind, observed, paths)
	if err != nil {
		return err
	}
	p.launch(ctx, w.m.cfg.Runtime, w.m.cfg.Faults)
	return w.finishStart(ctx, pod, sb, p)
}

// startMains starts main containers. Without postStart hooks to order them they are created and
// started all at once; with one, one after the other, each after the previous hook (as kubelet).
// It returns the first error.
func (w *podWorker) startMains(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, idx []int, observed *PodStatus, paths map[string]string) error {
	ordered := false
	for _, i := range idx {
		if lc := pod.Spec.Containers[i].Lifecycle; lc != nil && lc.PostStart != nil {
			ordered = true
		}
	}
	if ordered || len(idx) == 1 {
		for _, i := range idx {
			if err := w.startContainer(ctx, pod, sb, &pod.Spec.Containers[i], KindMain, observed, paths); err != nil {
				return err
			}
		}
		return nil
	}
	var firstErr error
	var ready []*preparedContainer
	for _, i := range idx {
		p, err := w.prepareContainer(ctx, pod, sb, &pod.Spec.Containers[i], KindMain, observed, paths)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		ready = append(ready, p)
	}
	var wg sync.WaitGroup
	for _, p := range ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.launch(ctx, w.m.cfg.Runtime, w.m.cfg.Faults)
		}()
	}
	wg.Wait()
	for _, p := range ready {
		if err := w.finishStart(ctx, pod, sb, p); err != nil {
			firstErr = cmp.Or(firstErr, err)
		}
	}
	return firstErr
}

// preparedContainer is a container instance ready to be created: its config is decided.
type preparedContainer struct {
	c   *v1.Container
	cfg ContainerConfig
	// Set by launch.
	id                  string
	createErr, startErr error
}

// launch creates and starts the container: runtime calls only, safe to run beside others.
func (p *preparedContainer) launch(ctx context.Context, rt ContainerRuntime, fp *faults.Points) {
	p.id, p.createErr = rt.CreateContainer(ctx, p.cfg)
	if p.createErr != nil {
		return
	}
	fp.Hang(ctx, faults.Container(faults.ContainerCreated, p.c.Name))
	p.startErr = rt.StartContainer(ctx, p.id, p.cfg.LogPath)
	if p.startErr == nil {
		fp.Hang(ctx, faults.Container(faults.ContainerStarted, p.c.Name))
	}
}

// prepareContainer decides the next instance of a spec container: its attempt, image and config.
func (w *podWorker) prepareContainer(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, c *v1.Container, kind ContainerKind, observed *PodStatus, paths map[string]string) (*preparedContainer, error) {
	now := w.m.clock.Now()
	attempt := 0
	latest := observed.Latest(c.Name)
	if latest != nil {
		attempt = latest.Attempt + 1
		if latest.State == StateCreated {
			// Made but never started (the agent stopped in between): replace it.
			if err := w.m.cfg.Runtime.RemoveContainer(ctx, latest.ID); err != nil {
				return nil, fmt.Errorf("remove unstarted container: %w", err)
			}
			attempt = latest.Attempt
		}
	}
	img, err := w.ensureImage(ctx, pod, c, now)
	if err != nil {
		return nil, err
	}
	volumeMounts, err := w.m.cfg.Volumes.ContainerMounts(pod, c, paths)
	if err != nil {
		return nil, w.failedConfig(pod, c, err)
	}
	cfg, err := buildContainerConfig(containerInputs{
		pod: pod, c: c, kind: kind, attempt: attempt, sandbox: sb, image: img,
		mounts:   containerMounts(w.m.cfg.Sandboxes.Mounts(sb.ID, pod), volumeMounts),
		logPath:  logPath(w.m.cfg.LogDir, pod, c.Name, attempt),
		nodeName: w.m.cfg.NodeName, hostIPs: w.m.cfg.HostIPs,
		cgroupParent: w.cgroupParent, memoryCapacity: w.m.cfg.MemoryCapacity,
	})
	if err == nil {
		err = loadSeccompProfile(w.m.cfg.SeccompDir, &cfg.Security)
	}
	if err != nil {
		return nil, w.failedConfig(pod, c, err)
	}
	if latest != nil && latest.State == StateExited {
		w.restarts.Next(backoffKey(pod, c), latest.FinishedAt, latest.FinishedAt.Sub(latest.StartedAt))
		w.saved = false
	}
	return &preparedContainer{c: c, cfg: cfg}, nil
}

// finishStart records how a launch went and runs the postStart hook.
func (w *podWorker) finishStart(ctx context.Context, pod *v1.Pod, sb *SandboxStatus, p *preparedContainer) error {
	c := p.c
	if p.createErr != nil {
		w.waiting[c.Name] = waitingReason{Reason: "CreateContainerError", Message: p.createErr.Error()}
		w.event(pod, c.Name, v1.EventTypeWarning, "Failed", "Error: "+p.createErr.Error())
		return p.createErr
	}
	delete(w.waiting, c.Name)
	w.event(pod, c.Name, v1.EventTypeNormal, "Created", "Created container: "+c.Name)
	if p.startErr != nil {
		// Recorded on the container as exited with StartError; the restart policy takes it from here.
		w.log.Error("start container", "container", c.Name, "err", p.startErr)
		w.event(pod, c.Name, v1.EventTypeWarning, "Failed", "Error: "+p.startErr.Error())
		return p.startErr
	}
	w.event(pod, c.Name, v1.EventTypeNormal, "Started", "Started container "+c.Name)
	w.log.Info("started container", "container", c.Name, "id", p.id, "attempt", p.cfg.Attempt)
	return w.runPostStart(ctx, pod, sb, c, p.id)
}

// ensureImage makes the container's image present per its pull policy, with kubelet's pull
// back-off, waiting reasons and events.
func (w *podWorker) ensureImage(ctx context.Context, pod *v1.Pod, c *v1.Container, now time.Time) (ImageInfo, error) {
	key := backoffKey(pod, c) + "/image"
	if failed, ok := w.pullFailedAt[c.Name]; ok {
		if wait := w.pulls.Remaining(key, failed, 0, now); wait > 0 {
			msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
			if w.waiting[c.Name].Reason != "ImagePullBackOff" {
				w.event(pod, c.Name, v1.EventTypeNormal, "BackOff", msg)
				w.event(pod, c.Name, v1.EventTypeWarning, "Failed", "Error: ImagePullBackOff")
			}
			w.waiting[c.Name] = waitingReason{Reason: "ImagePullBackOff", Message: msg}
			return ImageInfo{}, errHeld
		}
	}
	start := w.m.clock.Now()
	img, err := w.m.cfg.Runtime.EnsureImage(ctx, c.Image, c.ImagePullPolicy)
	// Whether a pull happens is known only afterwards; the Pulling event carries its start time.
	if img.Pulled || (err != nil && errors.Is(err, ErrImagePull)) {
		w.m.events.record(pod, c.Name, v1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", c.Image), start)
	}
	if err != nil {
		reason := "ErrImagePull"
		switch {
		case errors.Is(err, ErrImageNeverPull):
			reason = "ErrImageNeverPull"
			w.event(pod, c.Name, v1.EventTypeWarning, reason, fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image))
		case errors.Is(err, ErrInvalidImageName):
			reason = "InvalidImageName"
			w.event(pod, c.Name, v1.EventTypeWarning, reason, err.Error())
		default:
			w.event(pod, c.Name, v1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", c.Image, err))
		}
		w.event(pod, c.Name, v1.EventTypeWarning, "Failed", "Error: "+reason)
		w.waiting[c.Name] = waitingReason{Reason: reason, Message: err.Error()}
		w.pullFailedAt[c.Name] = now
		w.pulls.Next(key, now, 0)
		w.log.Warn("image not available", "container", c.Name, "image", c.Image, "reason", reason, "err", err)
		return ImageInfo{}, err
	}
	delete(w.pullFailedAt, c.Name)
	w.pulls.Reset(key)
	if img.Pulled {
		took := w.m.clock.Now().Sub(start).Round(time.Millisecond)
		w.event(pod, c.Name, v1.EventTypeNormal, "Pulled", fmt.Sprintf("Successfully pulled image %q in %s", c.Image, took))
	} else if c.ImagePullPolicy != v1.PullNever {
		w.event(pod, c.Name, v1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image))
	}
	return img, nil
}

func (w *podWorker) failedConfig(pod *v1.Pod, c *v1.Container, err error) error {
	w.waiting[c.Name] = waitingReason{Reason: "CreateContainerConfigError", Message: err.Error()}
	w.event(pod, c.Name, v1.EventTypeWarning, "Failed", "Error: "+err.Error())
	return err
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
