package probes

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes/action"
)

// Config wires a Manager.
type Config struct {
	Exec action.Execer
	// OnChange is called (from a worker goroutine) when a counted result of the pod changes.
	OnChange func(uid types.UID)
	// OnFailure is called on every failed probe run, with the probe's output, for events.
	OnFailure func(pod *v1.Pod, container string, kind Kind, output string)
	// Observer is told of every probe run; nil tells no one.
	Observer Observer
	Logger   *slog.Logger
}

// ContainerState is what the pod's owner knows of one of its containers.
type ContainerState struct {
	Name      string
	ID        string
	Running   bool
	StartedAt time.Time
}

type workerKey struct {
	uid       types.UID
	container string
	kind      Kind
}

// Manager keeps the probe workers and their results.
type Manager struct {
	cfg     Config
	results *results
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu      sync.Mutex // guards workers
	workers map[workerKey]*worker
}

// NewManager makes a Manager; Stop ends every worker.
func NewManager(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.OnChange == nil {
		cfg.OnChange = func(types.UID) {}
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.OnFailure == nil {
		cfg.OnFailure = func(*v1.Pod, string, Kind, string) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{cfg: cfg, results: newResults(), ctx: ctx, cancel: cancel, workers: map[workerKey]*worker{}}
}

// Stop ends every worker and waits for them.
func (m *Manager) Stop() {
	m.cancel()
	m.wg.Wait()
}

// probesOf lists the probes of a container by kind.
func probesOf(c *v1.Container) map[Kind]*v1.Probe {
	out := map[Kind]*v1.Probe{}
	if c.LivenessProbe != nil {
		out[Liveness] = c.LivenessProbe
	}
	if c.ReadinessProbe != nil {
		out[Readiness] = c.ReadinessProbe
	}
	if c.StartupProbe != nil {
		out[Startup] = c.StartupProbe
	}
	return out
}

// probed lists the containers probes run in: sidecars and main containers.
func probed(pod *v1.Pod) []*v1.Container {
	var out []*v1.Container
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// Sync makes the pod's workers match its spec and tells them which container instances run now.
// It never blocks on a probe.
func (m *Manager) Sync(pod *v1.Pod, podIP string, containers []ContainerState) {
	state := map[string]ContainerState{}
	keepIDs := map[string]bool{}
	for _, c := range containers {
		state[c.Name] = c
		if c.ID != "" {
			keepIDs[c.ID] = true
		}
	}
	wanted := map[workerKey]bool{}
	m.mu.Lock()
	for _, c := range probed(pod) {
		probes := probesOf(c)
		for kind, p := range probes {
			k := workerKey{uid: pod.UID, container: c.Name, kind: kind}
			wanted[k] = true
			w := m.workers[k]
			if w != nil && !equality.Semantic.DeepEqual(w.probe, p) {
				w.stop()
				w = nil
			}
			if w == nil {
				w = newWorker(m, pod, c.Name, kind, p, probes[Startup] != nil)
				m.workers[k] = w
				m.wg.Add(1)
				go func() {
					defer m.wg.Done()
					w.run()
				}()
			}
			w.setTarget(pod, c, podIP, state[c.Name])
		}
	}
	for k, w := range m.workers {
		if k.uid == pod.UID && !wanted[k] {
			w.stop()
			delete(m.workers, k)
		}
	}
	m.mu.Unlock()
	m.results.forgetOthers(pod.UID, keepIDs)
}

// RemovePod stops the pod's workers and forgets its results.
func (m *Manager) RemovePod(uid types.UID) {
	m.mu.Lock()
	for k, w := range m.workers {
		if k.uid == uid {
			w.stop()
			delete(m.workers, k)
		}
	}
	m.mu.Unlock()
	m.results.forgetPod(uid)
}

// Result is the counted result of a container instance's probe, and whether there is one yet
// (if not, the caller goes by Initial).
func (m *Manager) Result(containerID string, kind Kind) (action.Result, bool) {
	return m.results.get(resultKey{containerID: containerID, kind: kind})
}

// Results are the pod's counted readiness and startup results, keyed "CONTAINERID/KIND", for a
// checkpoint: restored after an agent restart, Ready does not flap (k8s#100277).
func (m *Manager) Results(uid types.UID) map[string]action.Result {
	out := map[string]action.Result{}
	for k, v := range m.results.ofPod(uid) {
		if k.kind != Liveness {
			out[k.containerID+"/"+string(k.kind)] = v
		}
	}
	return out
}

// Restore puts results from a checkpoint back.
func (m *Manager) Restore(uid types.UID, saved map[string]action.Result) {
	for key, v := range saved {
		id, kind, ok := strings.Cut(key, "/")
		if ok {
			m.results.set(uid, resultKey{containerID: id, kind: Kind(kind)}, v)
		}
	}
}
