package containerd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/containerd/containerd/api/services/tasks/v1"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/errdefs"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/runtime"
)

// errStateUnknown is a task whose state containerd could not get from its shim.
var errStateUnknown = errors.New("state unknown: its shim did not answer in time")

// GetPod observes one pod: its sandboxes and container instances. Tasks found stopped are reaped
// first (exit recorded on the container, task deleted), so what is returned is settled.
func (r *Runtime) GetPod(ctx context.Context, uid types.UID) (*runtime.PodStatus, error) {
	ctx = r.ctx(ctx)
	records, err := r.client.ContainerService().List(ctx, fmt.Sprintf("labels.%q==%q", labelPodUID, string(uid)))
	if err != nil {
		return nil, fmt.Errorf("list containers of pod %s: %w", uid, err)
	}
	procs := map[string]*tasktypes.Process{}
	for i := range records {
		rec := records[i]
		resp, err := r.client.TaskService().Get(ctx, &tasks.GetRequest{ContainerID: rec.ID})
		if err != nil {
			if errdefs.IsNotFound(errdefs.FromGRPC(err)) {
				r.recordVanished(ctx, &records[i])
				continue
			}
			return nil, fmt.Errorf("task of container %s: %w", rec.ID, errdefs.FromGRPC(err))
		}
		p := resp.Process
		if p.Status == tasktypes.Status_UNKNOWN {
			// containerd could not ask the shim (its state call timed out): the task is not known
			// to be dead, and acting as if it were would kill a healthy pod. Observe again later.
			return nil, fmt.Errorf("task of container %s: %w", rec.ID, errStateUnknown)
		}
		if p.Status == tasktypes.Status_STOPPED && rec.Labels[labelKind] != kindSandbox {
			if err := r.reap(ctx, rec.ID); err != nil {
				r.log.Warn("reap stopped container", "container", rec.ID, "err", err)
				procs[rec.ID] = p
				continue
			}
			if rec, err = r.client.ContainerService().Get(ctx, rec.ID); err != nil {
				return nil, fmt.Errorf("reload container %s: %w", rec.ID, err)
			}
			for i := range records {
				if records[i].ID == rec.ID {
					records[i] = rec
				}
			}
			continue
		}
		procs[rec.ID] = p
	}
	pods := group(records, procs)
	if st, ok := pods[uid]; ok {
		return st, nil
	}
	return &runtime.PodStatus{UID: uid}, nil
}

// ListPods observes every pod the runtime holds in the agent's namespace, without reaping.
func (r *Runtime) ListPods(ctx context.Context) (map[types.UID]*runtime.PodStatus, error) {
	ctx = r.ctx(ctx)
	records, err := r.client.ContainerService().List(ctx, fmt.Sprintf("labels.%q", labelPodUID))
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	resp, err := r.client.TaskService().List(ctx, &tasks.ListTasksRequest{})
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", errdefs.FromGRPC(err))
	}
	procs := map[string]*tasktypes.Process{}
	for _, p := range resp.Tasks {
		procs[p.ID] = p
	}
	return group(records, procs), nil
}

func group(records []containers.Container, procs map[string]*tasktypes.Process) map[types.UID]*runtime.PodStatus {
	pods := map[types.UID]*runtime.PodStatus{}
	for _, rec := range records {
		uid := types.UID(rec.Labels[labelPodUID])
		st := pods[uid]
		if st == nil {
			st = &runtime.PodStatus{UID: uid, Name: rec.Labels[labelPodName], Namespace: rec.Labels[labelPodNamespace]}
			pods[uid] = st
		}
		if rec.Labels[labelKind] == kindSandbox {
			st.Sandboxes = append(st.Sandboxes, sandboxStatus(rec, procs[rec.ID]))
		} else {
			st.Containers = append(st.Containers, containerStatus(rec, procs[rec.ID]))
		}
	}
	for _, st := range pods {
		sort.SliceStable(st.Sandboxes, func(i, j int) bool {
			a, b := st.Sandboxes[i], st.Sandboxes[j]
			if a.Attempt != b.Attempt {
				return a.Attempt > b.Attempt
			}
			return a.CreatedAt.After(b.CreatedAt)
		})
		sort.SliceStable(st.Containers, func(i, j int) bool {
			a, b := st.Containers[i], st.Containers[j]
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			if a.Attempt != b.Attempt {
				return a.Attempt > b.Attempt
			}
			return a.CreatedAt.After(b.CreatedAt)
		})
	}
	return pods
}

func sandboxStatus(rec containers.Container, p *tasktypes.Process) *runtime.SandboxStatus {
	sb := &runtime.SandboxStatus{
		ID:         rec.ID,
		Attempt:    parseInt(rec.Labels[labelAttempt]),
		State:      runtime.SandboxNotReady,
		CreatedAt:  rec.CreatedAt,
		IPs:        splitList(rec.Labels[labelIPs]),
		NetnsPath:  rec.Labels[labelNetns],
		PodCreated: parseTime(rec.Labels[labelPodCreated]),
		PodStarted: parseTime(rec.Labels[labelPodStarted]),
	}
	if p != nil && p.Status == tasktypes.Status_RUNNING {
		sb.State = runtime.SandboxReady
		sb.Pid = p.Pid
	}
	return sb
}

func containerStatus(rec containers.Container, p *tasktypes.Process) *runtime.ContainerStatus {
	l := rec.Labels
	grace, _ := strconv.ParseInt(l[labelGracePeriod], 10, 64)
	c := &runtime.ContainerStatus{
		ID:          rec.ID,
		Name:        l[labelName],
		Kind:        runtime.ContainerKind(l[labelKind]),
		SandboxID:   l[labelSandboxID],
		Attempt:     parseInt(l[labelAttempt]),
		Hash:        l[labelHash],
		CreatedAt:   rec.CreatedAt,
		StartedAt:   parseTime(l[labelStartedAt]),
		Image:       l[labelImage],
		ImageRef:    l[labelImageRef],
		StopSignal:  l[labelStopSignal],
		GracePeriod: grace,
		Reason:      l[labelReason],
		Message:     l[labelMessage],
	}
	switch {
	case l[labelFinishedAt] != "":
		c.State = runtime.StateExited
		c.FinishedAt = parseTime(l[labelFinishedAt])
		c.ExitCode = int32(parseInt(l[labelExitCode]))
	case p == nil && l[labelStartedAt] != "":
		// Started, never seen to finish, and no task: its shim went away with it.
		c.State = runtime.StateExited
		c.ExitCode = 137
		c.Message = "the container's task disappeared (its shim was killed?)"
	case p == nil:
		c.State = runtime.StateCreated
	case p.Status == tasktypes.Status_RUNNING || p.Status == tasktypes.Status_PAUSED || p.Status == tasktypes.Status_PAUSING:
		c.State = runtime.StateRunning
		c.Pid = p.Pid
	case p.Status == tasktypes.Status_CREATED:
		c.State = runtime.StateCreated
	case p.Status == tasktypes.Status_STOPPED:
		c.State = runtime.StateExited
		c.ExitCode = int32(p.ExitStatus)
		if p.ExitedAt != nil {
			c.FinishedAt = p.ExitedAt.AsTime()
		}
	default:
		c.State = runtime.StateUnknown
	}
	if c.StartedAt.IsZero() && c.State != runtime.StateCreated {
		c.StartedAt = rec.CreatedAt
	}
	return c
}

// recordVanished records, once, that a started container lost its task without an exit being seen
// (its shim was killed): exit code 137, as containerd reports for a dead shim.
func (r *Runtime) recordVanished(ctx context.Context, rec *containers.Container) {
	l := rec.Labels
	if l[labelKind] == kindSandbox || l[labelStartedAt] == "" || l[labelFinishedAt] != "" {
		return
	}
	update := map[string]string{
		labelFinishedAt: formatTime(time.Now()),
		labelExitCode:   "137",
		labelReason:     "Error",
		labelMessage:    "the container's task disappeared (its shim was killed?)",
	}
	container, err := r.client.LoadContainer(ctx, rec.ID)
	if err == nil {
		_, err = container.SetLabels(ctx, update)
	}
	if err != nil {
		r.log.Warn("record vanished task", "container", rec.ID, "err", err)
		return
	}
	for k, v := range update {
		l[k] = v
	}
}
