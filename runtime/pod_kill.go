package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/logs"
)

// killPod stops every running container of the pod and removes its sandboxes (network, netns,
// pause), keeping the containers' records for status. Main containers stop first, together; then
// sidecars one by one in reverse order; then anything else still running. The grace period is the
// pod's, counted from the start. It reports whether it changed anything.
func (w *podWorker) killPod(ctx context.Context, pod *v1.Pod, observed *PodStatus) (bool, error) {
	running := observed.Running()
	grace := w.gracePeriod(pod, running)
	deadline := w.m.clock.Now().Add(grace)
	var errs []error
	var mainSet, sidecars, rest []*ContainerStatus
	sidecarOrder := map[string]int{}
	if pod != nil {
		for i := range pod.Spec.InitContainers {
			if isSidecar(&pod.Spec.InitContainers[i]) {
				sidecarOrder[pod.Spec.InitContainers[i].Name] = i
			}
		}
	}
	for _, c := range running {
		switch _, sidecar := sidecarOrder[c.Name]; {
		case c.Kind == KindMain:
			mainSet = append(mainSet, c)
		case sidecar:
			sidecars = append(sidecars, c)
		default:
			rest = append(rest, c)
		}
	}
	sort.Slice(sidecars, func(i, j int) bool { // reverse spec order
		return sidecarOrder[sidecars[i].Name] > sidecarOrder[sidecars[j].Name]
	})
	stop := func(group []*ContainerStatus) {
		left := max(deadline.Sub(w.m.clock.Now()), minimumGracePeriod)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, c := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.log.Info("stopping container", "container", c.Name, "grace", left)
				if err := w.stopContainer(ctx, pod, observed.Sandbox(), c, left, ""); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("stop %s: %w", c.Name, err))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	stop(mainSet)
	for _, c := range sidecars {
		stop([]*ContainerStatus{c})
	}
	stop(rest)
	if len(errs) > 0 {
		return len(running) > 0, errors.Join(errs...)
	}
	// Sandboxes only a checkpoint remembers (a crash between acquiring and starting) are swept
	// when the agent starts; otherwise the runtime shows every sandbox, so a pod with none has
	// nothing to release (and a new pod skips the look at every checkpoint).
	n := 0
	if len(observed.Sandboxes) > 0 {
		var err error
		if n, err = w.m.cfg.Sandboxes.RemovePod(ctx, w.uid); err != nil {
			return true, fmt.Errorf("remove sandboxes: %w", err)
		}
	}
	// A pause container without a checkpoint (none should exist) is removed as a plain container.
	for _, sb := range observed.Sandboxes {
		if err := w.m.cfg.Runtime.RemoveContainer(ctx, sb.ID); err != nil {
			return true, fmt.Errorf("remove pause container %s: %w", sb.ID, err)
		}
	}
	return len(running) > 0 || n > 0 || len(observed.Sandboxes) > 0, nil
}

// minimumGracePeriod is what every container stop gets at least, as in kubelet: sidecars stopped
// after main containers that used up the pod's grace period still get to clean up.
const minimumGracePeriod = 2 * time.Second

// gracePeriod is the pod's terminationGracePeriodSeconds, or for an orphan the longest recorded on
// its containers.
func (w *podWorker) gracePeriod(pod *v1.Pod, running []*ContainerStatus) time.Duration {
	if pod != nil {
		return time.Duration(podGracePeriod(pod)) * time.Second
	}
	var g int64
	for _, c := range running {
		g = max(g, c.GracePeriod)
	}
	return time.Duration(g) * time.Second
}

// remove deletes the pod from the host: containers stopped and deleted with their snapshots,
// sandboxes and network released, volumes unmounted and removed, logs removed. It succeeds only when
// the runtime holds nothing of the pod any more.
func (w *podWorker) remove(ctx context.Context, pod *v1.Pod) error {
	rt := w.m.cfg.Runtime
	observed, err := rt.GetPod(ctx, w.uid)
	if err != nil {
		return fmt.Errorf("observe pod: %w", err)
	}
	if _, err := w.killPod(ctx, pod, observed); err != nil {
		return err
	}
	var errs []error
	if _, err := w.m.cfg.Sandboxes.RemovePod(ctx, w.uid); err != nil { // any a checkpoint alone remembers
		errs = append(errs, err)
	}
	for _, c := range observed.Containers {
		if err := rt.RemoveContainer(ctx, c.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := w.m.cfg.Volumes.Teardown(w.uid); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 { // the cgroup can go once no container of the pod is left in it
		if err := w.m.cfg.Cgroups.RemovePod(w.uid); err != nil {
			errs = append(errs, err)
		}
	}
	name, namespace := observed.Name, observed.Namespace
	if pod != nil {
		name, namespace = pod.Name, pod.Namespace
	}
	if name != "" {
		if err := os.RemoveAll(logs.PodDir(w.m.cfg.LogDir, namespace, name, string(w.uid))); err != nil {
			errs = append(errs, fmt.Errorf("remove logs: %w", err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	left, err := rt.GetPod(ctx, w.uid)
	if err != nil {
		return fmt.Errorf("observe pod after removal: %w", err)
	}
	if n := len(left.Containers) + len(left.Sandboxes); n > 0 {
		return fmt.Errorf("%d runtime objects of the pod remain", n)
	}
	return nil
}
