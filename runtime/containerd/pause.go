package containerd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/sandbox"
)

// StartPause creates and starts a pod's pause container and returns its PID. On failure nothing of
// it is left.
func (r *Runtime) StartPause(callerCtx context.Context, cfg sandbox.PauseConfig) (pid uint32, err error) {
	ctx, cancel := uncancelled(r.ctx(callerCtx))
	defer cancel()
	img, err := r.client.GetImage(ctx, cfg.Image)
	if err != nil {
		return 0, fmt.Errorf("pause image %s: %w", cfg.Image, err)
	}
	if unpacked, err := img.IsUnpacked(ctx, r.snapshotter); err != nil || !unpacked {
		if err := img.Unpack(ctx, r.snapshotter); err != nil {
			return 0, fmt.Errorf("unpack pause image: %w", err)
		}
	}
	labels := podLabels(cfg.Pod)
	labels[labelKind] = kindSandbox
	labels[labelAttempt] = strconv.Itoa(cfg.Attempt)
	labels[labelNetns] = cfg.NetnsPath
	labels[labelPodCreated] = formatTime(cfg.PodCreated)
	labels[labelPodStarted] = formatTime(cfg.PodStarted)
	labels[labelGracePeriod] = strconv.FormatInt(cfg.GracePeriod, 10)
	if err := checkLabels(labels); err != nil {
		return 0, fmt.Errorf("pause container: %w", err)
	}
	container, err := r.newContainer(ctx, cfg.ID,
		containerd.WithImageName(cfg.Image),
		containerd.WithSnapshotter(r.snapshotter),
		containerd.WithNewSnapshot(cfg.ID, img),
		containerd.WithContainerLabels(labels),
		containerd.WithRuntime(runcRuntime, nil),
		containerd.WithNewSpec(pauseSpecOpts(cfg, r.host)...),
	)
	if err != nil {
		return 0, fmt.Errorf("create pause container: %w", err)
	}
	r.faults.Hang(callerCtx, faults.PauseCreated) // on the caller's context: it holds until the agent dies
	defer func() {
		if err != nil {
			if rerr := r.RemovePause(context.WithoutCancel(ctx), cfg.ID); rerr != nil {
				r.log.Warn("remove pause container after failed start", "sandbox", cfg.ID, "err", rerr)
			}
		}
	}()
	task, err := container.NewTask(ctx, cio.NullIO)
	if err != nil {
		return 0, fmt.Errorf("create pause task: %w", err)
	}
	if err := task.Start(ctx); err != nil {
		return 0, fmt.Errorf("start pause task: %w", err)
	}
	return task.Pid(), nil
}

// SetSandboxIPs records the pod's IPs on its pause container.
func (r *Runtime) SetSandboxIPs(ctx context.Context, id string, ips []string) error {
	ctx = r.ctx(ctx)
	container, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return fmt.Errorf("load pause container %s: %w", id, err)
	}
	if _, err := container.SetLabels(ctx, map[string]string{labelIPs: strings.Join(ips, ",")}); err != nil {
		return fmt.Errorf("label pause container %s: %w", id, err)
	}
	return nil
}

// RemovePause kills the pause task and deletes the container and its snapshot. Not found is success.
func (r *Runtime) RemovePause(ctx context.Context, id string) error {
	return r.RemoveContainer(ctx, id)
}
