// Package runtime is minikubelet's engine: one worker per pod that observes the pod in the container
// runtime, computes what to do with no I/O (computePodActions), does it (syncPod), and writes the
// pod's status; plus the manager that turns each desired set of pods into workers.
package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Config wires a Manager.
type Config struct {
	Runtime   ContainerRuntime
	Sandboxes Sandboxes
	Volumes   Volumes
	LogDir    string // container logs: LogDir/NAMESPACE_NAME_UID/CONTAINER/N.log
	NodeName  string
	HostIPs   []string
	// ResyncPeriod is how often a quiet pod is synced anyway (default 10s).
	ResyncPeriod time.Duration
	Clock        Clock
	Logger       *slog.Logger
}

// Manager keeps one worker per pod and admits new pods.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	clock  Clock
	status *statusStore

	updMu   sync.Mutex
	latest  []*v1.Pod // guarded by updMu: the newest desired set not yet applied
	updated chan struct{}
	gone    chan types.UID

	mu      sync.Mutex // guards workers
	workers map[types.UID]*podWorker

	// Owned by Run's goroutine.
	desired  map[types.UID]*v1.Pod
	order    []types.UID
	pending  map[types.UID]bool
	seen     map[types.UID]time.Time
	synced   chan struct{} // closed once the first desired set is applied
	wg       sync.WaitGroup
	runCtx   context.Context
	isSynced bool
}

// NewManager makes a Manager; Run starts it.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Runtime == nil || cfg.Sandboxes == nil || cfg.Volumes == nil {
		return nil, errors.New("runtime: Runtime, Sandboxes and Volumes are required")
	}
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Manager{
		cfg: cfg, log: cfg.Logger, clock: cfg.Clock, status: newStatusStore(),
		updated: make(chan struct{}, 1), gone: make(chan types.UID, 16),
		workers: map[types.UID]*podWorker{}, desired: map[types.UID]*v1.Pod{},
		pending: map[types.UID]bool{}, seen: map[types.UID]time.Time{},
		synced: make(chan struct{}),
	}, nil
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

// Synced is closed once the first desired set has been applied.
func (m *Manager) Synced() <-chan struct{} { return m.synced }

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
			return nil
		case <-m.updated:
			m.updMu.Lock()
			pods := m.latest
			m.updMu.Unlock()
			m.apply(pods, existing)
			existing = nil
		case uid := <-m.gone:
			m.mu.Lock()
			delete(m.workers, uid)
			m.mu.Unlock()
			m.status.delete(uid)
			delete(m.seen, uid)
			m.admit()
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

// apply makes the workers match a desired set. existing is what the runtime held at start-up, for
// the first set only: pods in it that no manifest wants any more are removed.
func (m *Manager) apply(pods []*v1.Pod, existing map[types.UID]*PodStatus) {
	now := m.clock.Now()
	m.desired = map[types.UID]*v1.Pod{}
	m.order = m.order[:0]
	for _, p := range pods {
		m.desired[p.UID] = p
		m.order = append(m.order, p.UID)
	}
	if existing != nil {
		for uid, st := range existing {
			if _, ok := m.desired[uid]; ok {
				if sb := oldestPodCreated(st); !sb.IsZero() {
					m.seen[uid] = sb
				}
				continue
			}
			m.log.Info("removing pod no manifest wants", "pod", st.Namespace+"/"+st.Name, "uid", string(uid))
			m.startWorker(uid, nil, st.Namespace+"/"+st.Name, now).terminate(now)
		}
		m.sweepVolumes(existing)
	}
	m.mu.Lock()
	for uid, w := range m.workers {
		if _, ok := m.desired[uid]; !ok {
			w.terminate(now)
		}
	}
	m.mu.Unlock()
	for uid := range m.pending {
		if _, ok := m.desired[uid]; !ok {
			delete(m.pending, uid)
			m.status.delete(uid)
		}
	}
	m.admit()
	if !m.isSynced {
		m.isSynced = true
		close(m.synced)
	}
}

// admit starts a worker for every desired pod that has none and can start now, in manifest order;
// the others wait with a status that says why.
func (m *Manager) admit() {
	now := m.clock.Now()
	m.mu.Lock()
	var admitted []*v1.Pod
	for _, w := range m.workers {
		if w.pod != nil {
			admitted = append(admitted, w.pod)
		}
	}
	m.mu.Unlock()
	for _, uid := range m.order {
		pod := m.desired[uid]
		m.mu.Lock()
		_, running := m.workers[uid]
		m.mu.Unlock()
		if running {
			continue
		}
		if _, ok := m.seen[uid]; !ok {
			m.seen[uid] = now
		}
		reason, msg := admitReason(pod, admitted)
		if msg == "" {
			msg = m.orphanHolds(pod)
		}
		if msg != "" {
			if !m.pending[uid] {
				m.log.Warn("pod waits", "pod", pod.Namespace+"/"+pod.Name, "reason", reason, "message", msg)
			}
			m.pending[uid] = true
			m.status.set(pendingPod(pod, m.seen[uid], reason, msg))
			continue
		}
		delete(m.pending, uid)
		m.startWorker(uid, pod, "", m.seen[uid])
		admitted = append(admitted, pod)
	}
}

// orphanHolds tells whether a pod of the same name that no manifest wants is still being removed.
func (m *Manager) orphanHolds(pod *v1.Pod) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for uid, w := range m.workers {
		if w.pod == nil && w.orphanName == pod.Namespace+"/"+pod.Name {
			return "waiting for the previous pod " + w.orphanName + " (" + string(uid) + ") to stop"
		}
	}
	return ""
}

func (m *Manager) startWorker(uid types.UID, pod *v1.Pod, orphanName string, created time.Time) *podWorker {
	w := newPodWorker(m, uid, pod, orphanName, created)
	m.mu.Lock()
	m.workers[uid] = w
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		w.run(m.runCtx)
	}()
	return w
}

// podGone is called by a worker once its pod is fully removed.
func (m *Manager) podGone(uid types.UID) {
	select {
	case m.gone <- uid:
	case <-m.runCtx.Done():
	}
}

// sweepVolumes removes pod directories that neither a desired pod nor the runtime claims.
func (m *Manager) sweepVolumes(existing map[types.UID]*PodStatus) {
	uids, err := m.cfg.Volumes.Pods()
	if err != nil {
		m.log.Error("list pod volume dirs", "err", err)
		return
	}
	for _, uid := range uids {
		if _, ok := m.desired[uid]; ok {
			continue
		}
		if _, ok := existing[uid]; ok {
			continue // its worker removes it
		}
		if err := m.cfg.Volumes.Teardown(uid); err != nil {
			m.log.Error("remove orphaned pod dir", "uid", string(uid), "err", err)
		}
	}
}

func oldestPodCreated(st *PodStatus) time.Time {
	var t time.Time
	for _, sb := range st.Sandboxes {
		if !sb.PodCreated.IsZero() && (t.IsZero() || sb.PodCreated.Before(t)) {
			t = sb.PodCreated
		}
	}
	return t
}

// pendingPod is the status of a pod that is not admitted yet.
func pendingPod(pod *v1.Pod, created time.Time, reason, msg string) *v1.Pod {
	out := pod.DeepCopy()
	out.CreationTimestamp = metav1.NewTime(created)
	out.Status = v1.PodStatus{
		Phase:   v1.PodPending,
		Reason:  reason,
		Message: msg,
		Conditions: []v1.PodCondition{{
			Type: v1.PodScheduled, Status: v1.ConditionTrue, LastTransitionTime: metav1.NewTime(created),
		}},
		QOSClass: qosClass(pod),
	}
	return out
}
