package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes/action"
)

// podWorker owns one pod: it alone syncs it, stops it and writes its status. It runs on its own
// goroutine, woken through a capacity-1 channel so that any number of triggers (container exits,
// the resync tick, a termination request, a spec update) coalesce into one more sync.
//
//	syncing --(manifest removed)--> terminating --(all released)--> gone
//	   ^  |
//	   +--+ (manifest edited in place: the changed containers restart)
//
// Stopping the agent ends the goroutine (its context) and leaves the pod running; only a
// termination request stops the pod.
type podWorker struct {
	m    *Manager
	uid  types.UID // the pod's UID in the runtime; it stays through in-place updates
	log  *slog.Logger
	wake chan struct{}
	// published is closed once the pod's status has been published (or the worker ended without).
	published     chan struct{}
	publishedOnce sync.Once
	// orphanName names a pod the runtime holds and no manifest wants (then pod is nil).
	orphanName string

	mu          sync.Mutex // guards the fields below
	pod         *v1.Pod    // the desired pod, with UID set to uid; nil for an orphan
	manifestUID types.UID  // the manifest content the pod runs
	terminating bool
	deletedAt   time.Time
	cancelSync  context.CancelFunc

	// Owned by the worker goroutine.
	created      time.Time // when the pod was first seen (durable in the checkpoint and on sandboxes)
	restarts     *Backoff  // restart back-off per container
	pulls        *Backoff  // image pull back-off per container
	failures     *Backoff  // retry back-off for failed steps (sandbox, create)
	pullFailedAt map[string]time.Time
	waiting      map[string]waitingReason
	sandboxErr   string
	cgroupParent string         // the pod's cgroup, set before its sandbox or a container is created
	terminal     *terminalState // set when the agent ended the pod (activeDeadlineSeconds)
	lastStatus   *v1.PodStatus
	start        podStartTracker
	saved        bool // the checkpoint holds the current spec, back-off, probes and terminal state
	savedProbes  map[string]action.Result
	saveFailing  string // the last checkpoint save's error, so a full disk is not logged at every sync
}

func newPodWorker(m *Manager, uid types.UID, pod *v1.Pod, orphanName string, created time.Time, cp *podCheckpoint) *podWorker {
	name := orphanName
	var manifestUID types.UID
	if pod != nil {
		name = pod.Namespace + "/" + pod.Name
		manifestUID = pod.UID
		pod = pod.DeepCopy()
		pod.UID = uid
	}
	w := &podWorker{
		m: m, uid: uid, pod: pod, manifestUID: manifestUID, orphanName: orphanName, created: created,
		log:          m.log.With("pod", name, "uid", string(uid)),
		wake:         make(chan struct{}, 1),
		published:    make(chan struct{}),
		restarts:     m.newRestartBackoff(),
		pulls:        m.newRestartBackoff(),
		failures:     &Backoff{Initial: time.Second, Max: time.Minute, ResetAfter: time.Hour, entries: map[string]backoffEntry{}},
		pullFailedAt: map[string]time.Time{},
		waiting:      map[string]waitingReason{},
	}
	if pod == nil {
		w.markPublished() // an orphan has no status to show: it is only removed
	}
	if cp != nil {
		w.restarts.Restore(cp.Backoff)
		m.probes.Restore(uid, cp.Probes)
		w.savedProbes = cp.Probes
		w.terminal = cp.Terminal
		if !cp.Created.IsZero() {
			w.created = cp.Created
		}
		w.saved = cp.ManifestUID == manifestUID
	}
	return w
}

func (w *podWorker) markPublished() { w.publishedOnce.Do(func() { close(w.published) }) }

// poke asks for another sync; it never blocks.
func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// current returns the pod the worker runs now and the manifest UID it came from.
func (w *podWorker) current() (*v1.Pod, types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.manifestUID
}

// update hands the worker an edited manifest that applies in place; the sync in flight is
// cancelled so the change is acted on at once.
func (w *podWorker) update(pod *v1.Pod) {
	p := pod.DeepCopy()
	p.UID = w.uid
	w.mu.Lock()
	w.pod = p
	w.manifestUID = pod.UID
	if w.cancelSync != nil {
		w.cancelSync()
	}
	w.mu.Unlock()
	w.poke()
}

// terminate asks the worker to stop and remove the pod; the sync in flight is cancelled.
func (w *podWorker) terminate(now time.Time) {
	w.mu.Lock()
	if !w.terminating {
		w.terminating = true
		w.deletedAt = now
	}
	if w.cancelSync != nil {
		w.cancelSync()
	}
	w.mu.Unlock()
	w.poke()
}

func (w *podWorker) isTerminating() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.terminating
}

// run is the worker's loop; it returns when ctx ends or the pod is gone.
func (w *podWorker) run(ctx context.Context) {
	defer w.markPublished()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-timer.C:
		}
		pod, manifestUID := w.current()
		if w.isTerminating() {
			w.publishTerminating()
			if err := w.remove(ctx, pod); err != nil {
				if ctx.Err() != nil {
					return
				}
				w.log.Error("removing pod failed; retrying", "err", err)
				if pod != nil {
					w.event(pod, "", v1.EventTypeWarning, "FailedKillPod", "error killing pod: "+err.Error())
				}
				timer.Reset(w.retry("remove"))
				continue
			}
			w.log.Info("pod removed")
			w.m.podGone(w.uid)
			return
		}
		syncCtx, cancel := context.WithCancel(ctx)
		w.mu.Lock()
		w.cancelSync = cancel
		w.mu.Unlock()
		next := w.sync(syncCtx, pod, manifestUID)
		cancel()
		timer.Reset(next)
	}
}

// retry is the delay before retrying a failed step, growing with repeated failures.
func (w *podWorker) retry(step string) time.Duration {
	now := w.m.clock.Now()
	w.failures.Next(step, now, 0)
	return w.failures.Delay(step)
}

// event records an event about the pod, or one of its containers.
func (w *podWorker) event(pod *v1.Pod, container, eventType, reason, message string) {
	w.m.events.record(pod, container, eventType, reason, message, w.m.clock.Now())
}

// saveCheckpoint writes what the pod's restart needs, when it changed.
func (w *podWorker) saveCheckpoint(pod *v1.Pod, manifestUID types.UID) {
	if w.saved || pod == nil {
		return
	}
	err := writePodCheckpoint(w.m.cfg.PodDir, w.uid, &podCheckpoint{
		Pod: pod, ManifestUID: manifestUID, Created: w.created,
		Backoff: w.restarts.Records(), Terminal: w.terminal, Probes: w.savedProbes,
	})
	if err != nil {
		// Left unsaved: the next sync tries again. Until then an agent restart would forget the
		// pod's back-off and probe results, which the user should hear of, not only the log.
		if msg := err.Error(); msg != w.saveFailing {
			w.saveFailing = msg
			w.log.Error("save pod checkpoint", "err", err)
		} else {
			w.log.Debug("save pod checkpoint failed again", "err", err)
		}
		w.event(pod, "", v1.EventTypeWarning, "FailedCheckpoint",
			fmt.Sprintf("Saving the pod's checkpoint failed; an agent restart now would forget its restart back-off and probe results: %v", err))
		return
	}
	if w.saveFailing != "" {
		w.log.Info("pod checkpoint saved again")
		w.saveFailing = ""
	}
	w.saved = true
}

// publish writes the pod's status from what was observed and what this sync learnt.
func (w *podWorker) publish(pod *v1.Pod, observed *PodStatus, held map[string]waitingReason) {
	waiting := make(map[string]waitingReason, len(w.waiting)+len(held))
	for k, v := range w.waiting {
		waiting[k] = v
	}
	for k, v := range held {
		waiting[k] = v
	}
	st := generatePodStatus(statusInputs{
		pod: pod, observed: observed, waiting: waiting, sandboxError: w.sandboxErr, terminal: w.terminal,
		results: w.m.probes.Result,
		prev:    w.lastStatus, hostIPs: w.m.cfg.HostIPs, now: w.m.clock.Now(),
	})
	w.lastStatus = &st
	if took, ok := w.start.observe(observed, &st, w.created, w.m.clock.Now()); ok {
		w.m.cfg.Observer.ObservePodStart(took)
	}
	out := pod.DeepCopy()
	out.CreationTimestamp = metav1.NewTime(w.created)
	out.Status = st
	w.m.status.set(out)
	w.markPublished()
}

func (w *podWorker) publishTerminating() {
	w.mu.Lock()
	pod, at := w.pod, w.deletedAt
	w.mu.Unlock()
	if pod == nil {
		return
	}
	cur, ok := w.m.status.get(w.uid)
	if !ok || cur.DeletionTimestamp != nil {
		return
	}
	w.m.status.set(terminatingStatus(cur, at, podGracePeriod(pod)))
}
