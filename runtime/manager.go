// Package runtime is minikubelet's engine: one worker per pod that observes the pod in the container
// runtime, computes what to do with no I/O (computePodActions), does it (sync), and writes the
// pod's status; plus the manager that turns each desired set of pods into workers.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/probes"
)

// Config wires a Manager.
type Config struct {
	Runtime   ContainerRuntime
	Sandboxes Sandboxes
	Volumes   Volumes
	// Cgroups makes pod cgroups; nil leaves containers in the runtime's default cgroups.
	Cgroups PodCgroups
	// SeccompDir is where Localhost seccomp profiles are looked up (kubelet's ROOT/seccomp).
	SeccompDir string
	// MemoryCapacity is the node's memory in bytes, for Burstable containers' OOM scores.
	MemoryCapacity int64
	LogDir         string // container logs: LogDir/NAMESPACE_NAME_UID/CONTAINER/N.log
	PodDir         string // per-pod state: PodDir/UID/checkpoint.json (the volumes live there too)
	NodeName       string
	HostIPs        []string
	// ResyncPeriod is how often a quiet pod is synced anyway (default 10s).
	ResyncPeriod time.Duration
	// RestartBackoff is the first restart back-off (default 10s, kubelet's); the cap is 30 times it
	// and the reset after 60 times it. Tests shorten it.
	RestartBackoff time.Duration
	Clock          Clock
	// Observer is told of pod starts and probe runs, for metrics; nil tells no one.
	Observer Observer
	Logger   *slog.Logger
	// Faults are the failpoints tests enable; nil in production.
	Faults *faults.Points
}

// Manager keeps one worker per pod and admits new pods.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	clock  Clock
	status *statusStore
	events *eventLog
	probes *probes.Manager

	updMu   sync.Mutex
	latest  []*v1.Pod // guarded by updMu: the newest desired set not yet applied
	updated chan struct{}
	gone    chan types.UID
	drainCh chan struct{}

	mu      sync.Mutex // guards workers
	workers map[types.UID]*podWorker

	// Owned by Run's goroutine.
	desired  map[types.UID]*v1.Pod // by manifest UID
	order    []types.UID
	pending  map[types.UID]bool
	seen     map[types.UID]time.Time
	draining bool
	drained  chan struct{} // closed once draining and no worker is left
	synced   chan struct{} // closed once the first desired set is applied
	isSynced bool
	wg       sync.WaitGroup
	runCtx   context.Context
}

// NewManager makes a Manager; Run starts it.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Runtime == nil || cfg.Sandboxes == nil || cfg.Volumes == nil || cfg.PodDir == "" {
		return nil, errors.New("runtime: Runtime, Sandboxes, Volumes and PodDir are required")
	}
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = 10 * time.Second
	}
	if cfg.RestartBackoff <= 0 {
		cfg.RestartBackoff = 10 * time.Second
	}
	if cfg.Cgroups == nil {
		cfg.Cgroups = noCgroups{}
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	m := &Manager{
		cfg: cfg, log: cfg.Logger, clock: cfg.Clock, status: newStatusStore(), events: newEventLog(cfg.NodeName),
		updated: make(chan struct{}, 1), gone: make(chan types.UID, 16), drainCh: make(chan struct{}, 1),
		workers: map[types.UID]*podWorker{}, desired: map[types.UID]*v1.Pod{},
		pending: map[types.UID]bool{}, seen: map[types.UID]time.Time{},
		synced: make(chan struct{}), drained: make(chan struct{}),
	}
	m.probes = probes.NewManager(probes.Config{
		Exec: cfg.Runtime, OnChange: m.PodChanged, OnFailure: m.probeFailed, Observer: cfg.Observer, Logger: cfg.Logger,
	})
	return m, nil
}

// probeFailed records kubelet's Unhealthy event for a failed probe run, with the probe's output.
func (m *Manager) probeFailed(pod *v1.Pod, container string, kind probes.Kind, output string) {
	if pod == nil {
		return
	}
	title := strings.ToUpper(string(kind[:1])) + string(kind[1:])
	m.events.record(pod, container, v1.EventTypeWarning, "Unhealthy", fmt.Sprintf("%s probe failed: %s", title, output), m.clock.Now())
}

func (m *Manager) newRestartBackoff() *Backoff {
	b := m.cfg.RestartBackoff
	return &Backoff{Initial: b, Max: 30 * b, ResetAfter: 60 * b, entries: map[string]backoffEntry{}}
}

// Update hands the manager the whole desired set of pods; the newest set wins. It never blocks.
func (m *Manager) Update(pods []*v1.Pod) {
	m.updMu.Lock()
	m.latest = pods
	m.updMu.Unlock()
	select {
	case m.updated <- struct{}{}:
	default:
	}
}

// Pods returns copies of every pod the manager knows, with status.
func (m *Manager) Pods() []v1.Pod { return m.status.list() }

// WatchPods returns copies of every pod, like Pods, and a channel closed at the next change of
// any pod's status (or the set of pods) after them.
func (m *Manager) WatchPods() ([]v1.Pod, <-chan struct{}) { return m.status.watch() }

// PodEvents returns the recent events of the named pod (the one not being deleted, if there are
// two), or false when there is no such pod.
func (m *Manager) PodEvents(namespace, name string) (*v1.EventList, bool) {
	var uid types.UID
	found := false
	for _, p := range m.status.list() {
		if p.Namespace == namespace && p.Name == name && (!found || p.DeletionTimestamp == nil) {
			uid, found = p.UID, true
		}
	}
	if !found {
		return nil, false
	}
	return &v1.EventList{Items: m.events.list(uid)}, true
}

// Synced is closed once the first desired set has been applied.
func (m *Manager) Synced() <-chan struct{} { return m.synced }

// WaitReady returns once the manager has adopted what the runtime held, applied the first desired
// set, and every pod's worker has published its status: /pods then shows what runs. It is what
// the agent tells systemd as READY.
func (m *Manager) WaitReady(ctx context.Context) error {
	select {
	case <-m.synced:
	case <-ctx.Done():
		return ctx.Err()
	}
	for _, w := range m.workerList() {
		select {
		case <-w.published:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// PodChanged wakes the worker of a pod, e.g. when one of its containers exited.
func (m *Manager) PodChanged(uid types.UID) {
	m.mu.Lock()
	w := m.workers[uid]
	m.mu.Unlock()
	if w != nil {
		w.poke()
	}
}

// ResyncAll wakes every worker, e.g. after runtime events may have been missed.
func (m *Manager) ResyncAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.workers {
		w.poke()
	}
}

// Drain stops and removes every pod, and ignores desired sets from then on; it returns once all
// are gone or ctx ends. Run must be running.
func (m *Manager) Drain(ctx context.Context) error {
	select {
	case m.drainCh <- struct{}{}:
	default:
	}
	select {
	case <-m.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run adopts what the runtime already holds, then applies desired sets until ctx ends. Ending ctx
// stops the workers but not the pods.
func (m *Manager) Run(ctx context.Context) error {
	m.runCtx = ctx
	existing, err := m.adopt(ctx)
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			m.wg.Wait()
			m.probes.Stop()
			return nil
		case <-m.updated:
			if m.draining {
				continue
			}
			m.updMu.Lock()
			pods := m.latest
			m.updMu.Unlock()
			m.apply(pods, existing)
			existing = nil
		case <-m.drainCh:
			m.log.Info("draining: stopping every pod")
			m.draining = true
			m.apply(nil, existing)
			existing = nil
			m.checkDrained()
		case uid := <-m.gone:
			m.mu.Lock()
			delete(m.workers, uid)
			m.mu.Unlock()
			m.probes.RemovePod(uid)
			m.status.delete(uid)
			m.events.forget(uid)
			delete(m.seen, uid)
			m.admit()
			m.checkDrained()
		}
	}
}

func (m *Manager) checkDrained() {
	m.mu.Lock()
	n := len(m.workers)
	m.mu.Unlock()
	if m.draining && n == 0 {
		select {
		case <-m.drained:
		default:
			close(m.drained)
		}
	}
}

// adopt lists what the runtime holds (retrying while it is unreachable) and sweeps sandboxes that
// a crash left with no pause container. It returns the pods found.
func (m *Manager) adopt(ctx context.Context) (map[types.UID]*PodStatus, error) {
	delay := 100 * time.Millisecond
	for {
		pods, err := m.cfg.Runtime.ListPods(ctx)
		if err == nil {
			live := map[string]bool{}
			for _, p := range pods {
				for _, sb := range p.Sandboxes {
					live[sb.ID] = true
				}
			}
			removed, err := m.cfg.Sandboxes.Sweep(ctx, func(id string) bool { return live[id] })
			for _, id := range removed {
				m.log.Info("removed orphaned sandbox", "sandbox", id)
			}
			if err != nil {
				m.log.Error("sweep orphaned sandboxes", "err", err)
			}
			m.log.Info("adopted runtime state", "pods", len(pods))
			return pods, nil
		}
		m.log.Error("list pods in the runtime; retrying", "err", err, "after", delay)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
