package runtime

import (
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// apply makes the workers match a desired set. existing is what the runtime held at start-up, for
// the first set only: each pod in it is adopted by the manifest it ran (or an in-place edit of it),
// and removed when no manifest wants it any more.
func (m *Manager) apply(pods []*v1.Pod, existing map[types.UID]*PodStatus) {
	now := m.clock.Now()
	m.desired = map[types.UID]*v1.Pod{}
	m.order = m.order[:0]
	for _, p := range pods {
		m.desired[p.UID] = p
		m.order = append(m.order, p.UID)
	}
	if existing != nil {
		m.adoptExisting(existing, now)
		m.sweepPodDirs(existing)
	}
	for _, w := range m.workerList() {
		pod, manifestUID := w.current()
		if pod == nil || w.isTerminating() {
			continue
		}
		if _, ok := m.desired[manifestUID]; ok {
			continue
		}
		if next, restart := m.inPlaceCandidate(pod); next != nil {
			m.log.Info("manifest edited; updating the pod in place", "pod", pod.Namespace+"/"+pod.Name, "restart", restart)
			m.events.record(pod, "", v1.EventTypeNormal, "SpecUpdated", inPlaceMessage(restart), now)
			w.update(next)
			continue
		}
		w.terminate(now)
	}
	for uid := range m.pending {
		if _, ok := m.desired[uid]; !ok {
			delete(m.pending, uid)
			m.status.delete(uid)
			m.events.forget(uid)
		}
	}
	m.admit()
	if !m.isSynced {
		m.isSynced = true
		close(m.synced)
	}
}

func inPlaceMessage(restart []string) string {
	if len(restart) == 0 {
		return "Manifest changed only the pod's labels or annotations: nothing restarts"
	}
	return fmt.Sprintf("Manifest changed container(s) %s: restarting them in place; the pod keeps its IP, volumes and other containers", strings.Join(restart, ", "))
}

// adoptExisting gives each pod found in the runtime at start-up a worker: the manifest it ran, an
// in-place edit of it, or none (then it is removed).
func (m *Manager) adoptExisting(existing map[types.UID]*PodStatus, now time.Time) {
	for uid, st := range existing {
		cp, err := readPodCheckpoint(m.cfg.PodDir, uid)
		if err != nil {
			m.log.Error("pod checkpoint unreadable; the pod is adopted without it", "uid", string(uid), "err", err)
		}
		manifestUID, created := uid, oldestPodCreated(st)
		var ran *v1.Pod
		if cp != nil {
			manifestUID, ran = cp.ManifestUID, cp.Pod
		}
		if created.IsZero() {
			created = now
		}
		if pod, ok := m.desired[manifestUID]; ok && m.servedBy(manifestUID) == nil {
			m.startWorker(uid, pod, "", created, cp)
			continue
		}
		if next, restart := m.inPlaceCandidate(ran); next != nil {
			m.log.Info("manifest edited while the agent was down; updating the pod in place", "pod", st.Namespace+"/"+st.Name, "restart", restart)
			w := m.startWorker(uid, next, "", created, cp)
			m.events.record(w.pod, "", v1.EventTypeNormal, "SpecUpdated", inPlaceMessage(restart), now)
			continue
		}
		m.log.Info("removing pod no manifest wants", "pod", st.Namespace+"/"+st.Name, "uid", string(uid))
		m.startWorker(uid, nil, st.Namespace+"/"+st.Name, created, nil).terminate(now)
	}
}

// inPlaceCandidate finds the desired pod, not yet run by any worker, that is an in-place edit of
// running (same manifest file, namespace and name; see inPlaceUpdate).
func (m *Manager) inPlaceCandidate(running *v1.Pod) (*v1.Pod, []string) {
	if running == nil {
		return nil, nil
	}
	for _, uid := range m.order {
		pod := m.desired[uid]
		if m.servedBy(uid) != nil {
			continue
		}
		if restart, ok := inPlaceUpdate(running, pod); ok {
			return pod, restart
		}
	}
	return nil, nil
}

// servedBy returns the worker running the given manifest UID, if any.
func (m *Manager) servedBy(manifestUID types.UID) *podWorker {
	for _, w := range m.workerList() {
		if _, uid := w.current(); uid == manifestUID && !w.isTerminating() {
			return w
		}
	}
	return nil
}

func (m *Manager) workerList() []*podWorker {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*podWorker, 0, len(m.workers))
	for _, w := range m.workers {
		out = append(out, w)
	}
	return out
}

// admit starts a worker for every desired pod that has none and can start now, in manifest order;
// the others wait with a status that says why.
func (m *Manager) admit() {
	if m.draining {
		return
	}
	now := m.clock.Now()
	var admitted []*v1.Pod
	for _, w := range m.workerList() {
		if pod, _ := w.current(); pod != nil {
			admitted = append(admitted, pod)
		}
	}
	for _, uid := range m.order {
		pod := m.desired[uid]
		if m.servedBy(uid) != nil {
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
				if reason != "" {
					m.events.record(pod, "", v1.EventTypeWarning, reason, msg, now)
				}
			}
			m.pending[uid] = true
			m.status.set(pendingPod(pod, m.seen[uid], reason, msg))
			continue
		}
		if m.pending[uid] {
			delete(m.pending, uid)
			m.status.delete(uid)
		}
		w := m.startWorker(uid, pod, "", m.seen[uid], nil)
		if prev := m.events.list(uid); len(prev) > 0 {
			m.events.forget(uid) // the pending pod's events carry over under its worker
			for _, e := range prev {
				m.events.record(w.pod, "", e.Type, e.Reason, e.Message, e.LastTimestamp.Time)
			}
		}
		admitted = append(admitted, pod)
	}
}

// orphanHolds tells whether a pod of the same name that no manifest wants is still being removed.
func (m *Manager) orphanHolds(pod *v1.Pod) string {
	for _, w := range m.workerList() {
		if w.orphanName == pod.Namespace+"/"+pod.Name {
			return "waiting for the previous pod " + w.orphanName + " (" + string(w.uid) + ") to stop"
		}
	}
	return ""
}

func (m *Manager) startWorker(uid types.UID, pod *v1.Pod, orphanName string, created time.Time, cp *podCheckpoint) *podWorker {
	w := newPodWorker(m, uid, pod, orphanName, created, cp)
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

// sweepPodDirs removes pod directories and pod cgroups that neither a worker nor the runtime
// claims (a crash between making them and the pod's first container).
func (m *Manager) sweepPodDirs(existing map[types.UID]*PodStatus) {
	m.sweep("pod dir", existing, m.cfg.Volumes.Pods, m.cfg.Volumes.Teardown)
	m.sweep("pod cgroup", existing, m.cfg.Cgroups.Pods, m.cfg.Cgroups.RemoveUnclaimed)
}

func (m *Manager) sweep(what string, existing map[types.UID]*PodStatus, list func() ([]types.UID, error), remove func(types.UID) error) {
	uids, err := list()
	if err != nil {
		m.log.Error("list "+what+"s", "err", err)
		return
	}
	for _, uid := range uids {
		if _, ok := existing[uid]; ok {
			continue // its worker removes it
		}
		if _, ok := m.desired[uid]; ok {
			continue
		}
		if err := remove(uid); err != nil {
			m.log.Error("remove orphaned "+what, "uid", string(uid), "err", err)
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
