package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// maxLifecycleEvents bounds one fuzzed sequence.
const maxLifecycleEvents = 64

// The events a fuzzed sequence is made of, one byte each followed by an argument byte.
const (
	evExit       = iota // a running container exits with 0, 1 or 137
	evReadiness         // a readiness result for a container's newest instance
	evLiveness          // a liveness result likewise
	evAdvance           // time passes: 2 s to 8.5 min
	evSandboxDie        // the pause process dies
	evDelete            // the pod is deleted: the worker terminates and removes it
	evCreateFail        // the next container create fails
	evResync            // nothing happens; the worker syncs
	numEvents
)

// FuzzPodLifecycle runs one pod's worker, sync by sync, on a fake runtime while fuzz bytes choose
// what happens between syncs: containers exiting with codes, probe results, time passing, the
// sandbox dying, a failed create, the pod deleted. After every step it checks the invariants a
// client of /pods relies on (kubelet's podStartVerifier): the phase never leaves Succeeded or
// Failed; no restartCount decreases; Ready only while Running and never while terminating. And of
// the runtime: at most one ready sandbox, at most one live instance per container, and nothing at
// all once the pod is removed. The first byte shapes the pod: restart policy, init containers,
// main containers, probes.
func FuzzPodLifecycle(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{2, evExit, 0, evAdvance, 10, evExit, 0, evResync, 0})
	f.Add([]byte{1 + 3*1 + 9, evExit, 16, evAdvance, 200, evExit, 16, evAdvance, 255, evDelete, 0})
	f.Add([]byte{3*2 + 27, evReadiness, 0x80, evLiveness, 0x00, evAdvance, 30, evSandboxDie, 0, evResync, 0, evDelete, 0})
	f.Add([]byte{3 + 54, evCreateFail, 0, evResync, 0, evAdvance, 5, evExit, 32, evReadiness, 0x81, evDelete, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		pod := lifecyclePod(data[0])
		clock := &fakeClock{now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
		rt := newFakeRuntime(clock, pod.UID)
		dir := testenv.MemTempDir(t)
		m, err := NewManager(Config{
			Runtime: rt, Sandboxes: rt, Volumes: fakeVolumes{}, PodDir: filepath.Join(dir, "pods"), LogDir: filepath.Join(dir, "logs"),
			NodeName: "node", Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer m.probes.Stop()
		w := newPodWorker(m, pod.UID, pod, "", clock.Now(), nil)
		ctx := context.Background()
		check := lifecycleChecker{t: t, m: m, rt: rt, uid: pod.UID}

		w.sync(ctx, pod, pod.UID)
		check.step("first sync")
		events := data[1:]
		for i := 0; i+1 < len(events) && i/2 < maxLifecycleEvents; i += 2 {
			op, arg := events[i]%numEvents, events[i+1]
			what := fmt.Sprintf("event %d (%d, %d)", i/2, op, arg)
			switch op {
			case evExit:
				if ids := rt.running(); len(ids) > 0 {
					rt.exit(ids[int(arg)%len(ids)], []int32{0, 1, 137}[int(arg/16)%3])
				}
			case evReadiness, evLiveness:
				kind := probes.Readiness
				if op == evLiveness {
					kind = probes.Liveness
				}
				setProbeResult(m, rt, pod, int(arg&0x7f), kind, arg&0x80 != 0)
			case evAdvance:
				clock.advance(time.Duration(int(arg)+1) * 2 * time.Second)
			case evSandboxDie:
				rt.killSandbox()
			case evCreateFail:
				rt.mu.Lock()
				rt.failCreate++
				rt.mu.Unlock()
			case evDelete:
				w.terminate(clock.Now())
				w.publishTerminating()
				check.step(what + ": terminating")
				if err := w.remove(ctx, pod); err != nil {
					t.Fatalf("%s: remove: %v", what, err)
				}
				check.removed(what)
				return
			}
			w.sync(ctx, pod, pod.UID)
			check.step(what)
		}
	})
}

// lifecyclePod is the pod a sequence runs: shape picks the restart policy (shape%3), the number of
// init containers (shape/3%3), of main containers (1 + shape/9%2), and whether the main containers
// have readiness (shape/18%2) and liveness (shape/36%2) probes. The probes never run by themselves
// (an hour's delay): the sequence sets their results.
func lifecyclePod(shape byte) *v1.Pod {
	policy := []v1.RestartPolicy{v1.RestartPolicyAlways, v1.RestartPolicyOnFailure, v1.RestartPolicyNever}[shape%3]
	grace := int64(30)
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "fuzz", Namespace: "default", UID: types.UID("fuzz-uid")},
		Spec:       v1.PodSpec{RestartPolicy: policy, TerminationGracePeriodSeconds: &grace},
	}
	probe := func() *v1.Probe {
		return &v1.Probe{
			ProbeHandler:        v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}},
			InitialDelaySeconds: 3600, PeriodSeconds: 3600, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1,
		}
	}
	for i := range int(shape / 3 % 3) {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, v1.Container{Name: fmt.Sprintf("init%d", i), Image: "busybox"})
	}
	for i := range 1 + int(shape/9%2) {
		c := v1.Container{Name: fmt.Sprintf("main%d", i), Image: "busybox"}
		if shape/18%2 == 1 {
			c.ReadinessProbe = probe()
		}
		if shape/36%2 == 1 {
			c.LivenessProbe = probe()
		}
		pod.Spec.Containers = append(pod.Spec.Containers, c)
	}
	return pod
}

// setProbeResult records a counted probe result for the newest instance of container n of the pod
// (init containers first), as a probe worker would.
func setProbeResult(m *Manager, rt *fakeRuntime, pod *v1.Pod, n int, kind probes.Kind, success bool) {
	names := make([]string, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for _, c := range append(append([]v1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
		names = append(names, c.Name)
	}
	st, _ := rt.GetPod(context.Background(), pod.UID)
	latest := st.Latest(names[n%len(names)])
	if latest == nil {
		return
	}
	result := action.Failure
	if success {
		result = action.Success
	}
	m.probes.Restore(pod.UID, map[string]action.Result{latest.ID + "/" + string(kind): result})
}

// lifecycleChecker checks each published status against the one before it, and the runtime.
type lifecycleChecker struct {
	t    *testing.T
	m    *Manager
	rt   *fakeRuntime
	uid  types.UID
	prev *v1.Pod
}

func (c *lifecycleChecker) step(what string) {
	t := c.t
	t.Helper()
	cur, ok := c.m.status.get(c.uid)
	if !ok {
		t.Fatalf("%s: no status published", what)
	}
	ready := podReady(cur)
	switch {
	case ready && cur.Status.Phase != v1.PodRunning:
		t.Fatalf("%s: Ready in phase %s", what, cur.Status.Phase)
	case ready && cur.DeletionTimestamp != nil:
		t.Fatalf("%s: Ready while terminating", what)
	}
	if p := c.prev; p != nil {
		if done := p.Status.Phase; (done == v1.PodSucceeded || done == v1.PodFailed) && cur.Status.Phase != done {
			t.Fatalf("%s: phase went from %s to %s", what, done, cur.Status.Phase)
		}
		before := restartCounts(p)
		for name, n := range restartCounts(cur) {
			if n < before[name] {
				t.Fatalf("%s: restartCount of %s went from %d to %d", what, name, before[name], n)
			}
		}
	}
	c.prev = cur

	st, _ := c.rt.GetPod(context.Background(), c.uid)
	readySandboxes := 0
	for _, sb := range st.Sandboxes {
		if sb.State == SandboxReady {
			readySandboxes++
		}
	}
	if readySandboxes > 1 {
		t.Fatalf("%s: %d ready sandboxes", what, readySandboxes)
	}
	live := map[string]int{}
	for _, ct := range st.Running() {
		if live[ct.Name]++; live[ct.Name] > 1 {
			t.Fatalf("%s: two live instances of %s", what, ct.Name)
		}
	}
}

// removed checks that nothing of the pod is left in the runtime.
func (c *lifecycleChecker) removed(what string) {
	c.t.Helper()
	st, _ := c.rt.GetPod(context.Background(), c.uid)
	if n := len(st.Containers) + len(st.Sandboxes); n > 0 {
		c.t.Fatalf("%s: %d runtime objects left after removal", what, n)
	}
}

func podReady(p *v1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == v1.PodReady {
			return cond.Status == v1.ConditionTrue
		}
	}
	return false
}

func restartCounts(p *v1.Pod) map[string]int32 {
	out := map[string]int32{}
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			out[cs.Name] = cs.RestartCount
		}
	}
	return out
}
