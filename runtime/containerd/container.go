package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/errdefs"
	"github.com/moby/sys/signal"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/logs"
	"github.com/minikubelet/minikubelet/runtime"
)

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

func podLabels(pod runtime.PodRef) map[string]string {
	return map[string]string{
		labelPodUID:       string(pod.UID),
		labelPodName:      pod.Name,
		labelPodNamespace: pod.Namespace,
	}
}

// containerLabels are the labels of a container instance: ours only (checkLabels).
func containerLabels(cfg runtime.ContainerConfig) (map[string]string, error) {
	labels := podLabels(cfg.Pod)
	labels[labelKind] = string(cfg.Kind)
	labels[labelName] = cfg.Name
	labels[labelHash] = cfg.Hash
	labels[labelAttempt] = strconv.Itoa(cfg.Attempt)
	labels[labelSandboxID] = cfg.SandboxID
	labels[labelGracePeriod] = strconv.FormatInt(cfg.GracePeriod, 10)
	labels[labelImage] = truncateLabel(cfg.Image.Name)
	labels[labelImageRef] = truncateLabel(cfg.Image.ID)
	if cfg.StopSignal != "" {
		labels[labelStopSignal] = cfg.StopSignal
	}
	return labels, checkLabels(labels)
}

// CreateContainer creates one container instance (without starting it) and returns its ID.
func (r *Runtime) CreateContainer(ctx context.Context, cfg runtime.ContainerConfig) (string, error) {
	ctx = r.ctx(ctx)
	img, err := r.client.GetImage(ctx, cfg.Image.Name)
	if err != nil {
		return "", fmt.Errorf("container %s: image %s: %w", cfg.Name, cfg.Image.Name, err)
	}
	labels, err := containerLabels(cfg)
	if err != nil {
		return "", fmt.Errorf("container %s: %w", cfg.Name, err)
	}
	id := newID()
	_, err = r.newContainer(ctx, id,
		containerd.WithImageName(cfg.Image.Name),
		containerd.WithSnapshotter(r.snapshotter),
		containerd.WithNewSnapshot(id, img),
		containerd.WithContainerLabels(labels),
		containerd.WithRuntime(runcRuntime, nil),
		containerd.WithNewSpec(containerSpecOpts(cfg, r.host)...),
	)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", cfg.Name, err)
	}
	return id, nil
}

// StartContainer starts a created container with its stdout and stderr going to logPath in the CRI
// format, through the container logger the shim runs (so logs keep flowing while the agent is
// down). A failed start is recorded on the container as exit code 128 with reason StartError, as
// containerd's CRI plugin does, so the container reads as exited and the restart policy applies.
func (r *Runtime) StartContainer(ctx context.Context, id, logPath string) error {
	ctx, cancel := uncancelled(r.ctx(ctx))
	defer cancel()
	container, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return fmt.Errorf("load container %s: %w", id, err)
	}
	if r.logs.Binary == "" {
		return fmt.Errorf("start container %s: no container logger configured", id)
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o750); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	task, err := container.NewTask(ctx, r.logCreator(logPath))
	if err != nil {
		err = fmt.Errorf("create task of %s: %w", id, err)
		r.recordStartError(ctx, container, err)
		return err
	}
	if err := task.Start(ctx); err != nil {
		err = fmt.Errorf("start task of %s: %w", id, err)
		if _, derr := task.Delete(ctx, containerd.WithProcessKill); derr != nil && !errdefs.IsNotFound(derr) {
			r.log.Warn("delete task after failed start", "container", id, "err", derr)
		}
		r.recordStartError(ctx, container, err)
		return err
	}
	if _, err := container.SetLabels(ctx, map[string]string{labelStartedAt: formatTime(time.Now())}); err != nil {
		r.log.Warn("record container start time", "container", id, "err", err)
	}
	return nil
}

// logCreator is the task IO of a container: the shim starts our container logger with the
// container's stdout on fd 3 and stderr on fd 4.
func (r *Runtime) logCreator(logPath string) cio.Creator {
	cfg := logs.LoggerConfig{Path: logPath, MaxSize: r.logs.MaxSize, MaxFiles: r.logs.MaxFiles}
	return cio.BinaryIO(r.logs.Binary, map[string]string{logs.LoggerCommand: cfg.Encode()})
}

func (r *Runtime) recordStartError(ctx context.Context, container containerd.Container, cause error) {
	now := formatTime(time.Now())
	_, err := container.SetLabels(ctx, map[string]string{
		labelStartedAt:  now,
		labelFinishedAt: now,
		labelExitCode:   "128",
		labelReason:     "StartError",
		labelMessage:    truncateLabel(cause.Error()),
	})
	if err != nil {
		r.log.Warn("record start error", "container", container.ID(), "err", err)
	}
}

// StopContainer sends the container's stop signal (the image's StopSignal, else SIGTERM), waits up
// to grace for it to exit, then SIGKILLs it, and records how it ended. A container that is not
// running is left as it is.
func (r *Runtime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	ctx = r.ctx(ctx)
	container, task, err := r.loadTask(ctx, id)
	if err != nil || task == nil {
		return err
	}
	labels, err := container.Labels(ctx)
	if err != nil {
		return fmt.Errorf("labels of container %s: %w", id, err)
	}
	sig := syscall.SIGTERM
	if s := labels[labelStopSignal]; s != "" {
		if parsed, err := signal.ParseSignal(s); err == nil {
			sig = parsed
		} else {
			r.log.Warn("bad stop signal; using SIGTERM", "container", id, "signal", s)
		}
	}
	if err := killAndWait(ctx, task, sig, grace, r.faults); err != nil {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	return r.reap(ctx, id)
}

// loadTask loads a container and its task; both are nil, without an error, when either is gone.
func (r *Runtime) loadTask(ctx context.Context, id string) (containerd.Container, containerd.Task, error) {
	container, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load container %s: %w", id, err)
	}
	task, err := container.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("task of %s: %w", id, err)
	}
	return container, task, nil
}

func killAndWait(ctx context.Context, task containerd.Task, sig syscall.Signal, grace time.Duration, fp *faults.Points) error {
	status, err := task.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if status.Status == containerd.Stopped {
		return nil
	}
	exited, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	if sig != syscall.SIGKILL && grace > 0 {
		if err := task.Kill(ctx, sig); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("signal: %w", err)
		}
		fp.Hang(ctx, faults.StopSignalled)
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-exited:
			return nil
		case <-timer.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := task.Kill(ctx, syscall.SIGKILL); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("kill: %w", err)
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reap records how a stopped task ended on its container's labels, then deletes the task, so the
// history survives and the shim can let go of it. Not found and still-running tasks are left alone.
func (r *Runtime) reap(ctx context.Context, id string) error {
	container, task, err := r.loadTask(ctx, id)
	if err != nil || task == nil {
		return err
	}
	st, err := task.Status(ctx)
	if err != nil {
		return fmt.Errorf("status of %s: %w", id, err)
	}
	if st.Status != containerd.Stopped {
		return nil
	}
	labels := map[string]string{
		labelFinishedAt: formatTime(st.ExitTime),
		labelExitCode:   strconv.FormatUint(uint64(st.ExitStatus), 10),
	}
	if st.ExitStatus == 128+uint32(syscall.SIGKILL) && r.oomKilled(ctx, container) {
		labels[labelReason] = "OOMKilled"
	}
	if _, err := container.SetLabels(ctx, labels); err != nil {
		return fmt.Errorf("record exit of %s: %w", id, err)
	}
	// Like a removal, the delete runs to its end once begun (see removeTimeout).
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	if _, err := task.Delete(dctx); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete task of %s: %w", id, err)
	}
	return nil
}

// oomKilled tells whether the kernel's OOM killer struck in the container's cgroup, which lives
// until the task is deleted. containerd's OOM event says the same, but only to a listener: this
// catches a kill while the agent was down, on cgroup v1 and v2 alike.
func (r *Runtime) oomKilled(ctx context.Context, container containerd.Container) bool {
	if r.cgroups == nil {
		return false
	}
	spec, err := container.Spec(ctx)
	if err != nil || spec.Linux == nil || spec.Linux.CgroupsPath == "" {
		return false
	}
	n, err := r.cgroups.OOMKills(spec.Linux.CgroupsPath)
	if err != nil {
		r.log.Debug("read OOM kills", "container", container.ID(), "err", err)
		return false
	}
	return n > 0
}

// removeTimeout bounds a container's removal, which runs on to the end even when its caller is
// cancelled: a task delete cut short (a pod deleted while its worker was stopping it) can leave the
// shim running with nothing left to tell it to exit.
const removeTimeout = time.Minute

// deleteTaskless asks containerd to delete the task of a container whose shim reports none. When
// containerd died while it was creating the task, it finds the shim again on restart, but the shim
// holds no task (or only one it finished creating after containerd had gone): container.Task says
// not found and nothing would ever tell that shim to exit. The task service's delete does, through
// containerd's own record of the shim. Not found (no such shim either) is success.
func (r *Runtime) deleteTaskless(ctx context.Context, id string) error {
	_, err := r.client.TaskService().Delete(ctx, &tasks.DeleteTaskRequest{ContainerID: id})
	if err = errdefs.FromGRPC(err); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete the shim of %s, which has no task: %w", id, err)
	}
	return nil
}

// RemoveContainer kills what is left of a container and deletes it with its snapshot. Not found is
// success.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx(ctx)), removeTimeout)
	defer cancel()
	container, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load container %s: %w", id, err)
	}
	task, err := container.Task(ctx, nil)
	switch {
	case err == nil:
		if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("delete task of %s: %w", id, err)
		}
	case errdefs.IsNotFound(err):
		if err := r.deleteTaskless(ctx, id); err != nil {
			return err
		}
	default:
		return fmt.Errorf("task of %s: %w", id, err)
	}
	if err := container.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete container %s: %w", id, err)
	}
	return nil
}
