package probes

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes/action"
)

// target is the container instance a worker probes, as the pod's owner last reported it.
type target struct {
	pod       *v1.Pod
	spec      *v1.Container // the container's spec within pod
	podIP     string
	container ContainerState
}

// worker runs one probe of one container, every periodSeconds, for the life of the pod.
type worker struct {
	m          *Manager
	uid        types.UID
	container  string
	kind       Kind
	probe      *v1.Probe
	hasStartup bool
	cancel     context.CancelFunc
	ctx        context.Context

	mu     sync.Mutex // guards target
	target target

	counter counter // owned by the worker goroutine
}

func newWorker(m *Manager, pod *v1.Pod, container string, kind Kind, p *v1.Probe, hasStartup bool) *worker {
	ctx, cancel := context.WithCancel(m.ctx)
	return &worker{m: m, uid: pod.UID, container: container, kind: kind, probe: p.DeepCopy(),
		hasStartup: hasStartup, ctx: ctx, cancel: cancel, counter: newCounter(kind, p)}
}

func (w *worker) stop() { w.cancel() }

func (w *worker) setTarget(pod *v1.Pod, spec *v1.Container, podIP string, c ContainerState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.target = target{pod: pod, spec: spec, podIP: podIP, container: c}
}

func (w *worker) current() target {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.target
}

func seconds(v int32, def int32) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

// run probes every period. The first run comes at a random offset within the period, so that the
// probes of many pods (all started together by an agent restart, say) spread out.
func (w *worker) run() {
	period := seconds(w.probe.PeriodSeconds, 10)
	timer := time.NewTimer(rand.N(period))
	defer timer.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-timer.C:
		}
		w.tick(time.Now())
		timer.Reset(period)
	}
}

func (w *worker) tick(now time.Time) {
	t := w.current()
	startup := action.Unknown
	if w.hasStartup && t.container.ID != "" {
		if r, ok := w.m.Result(t.container.ID, Startup); ok {
			startup = r
		}
	}
	own, _ := w.m.Result(t.container.ID, w.kind)
	if !w.counter.due(t.container, startup, own, w.hasStartup, now) {
		return
	}
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	start := time.Now()
	res, output := action.Probe(ctx, w.probe, action.Target{
		PodIP: t.podIP, ContainerID: t.container.ID, Container: t.spec, Exec: w.m.cfg.Exec,
	})
	if w.ctx.Err() != nil {
		return
	}
	w.m.cfg.Observer.ObserveProbe(Run{Pod: t.pod, Container: w.container, Kind: w.kind, Result: res, Took: time.Since(start)})
	if res == action.Failure {
		w.m.cfg.OnFailure(t.pod, w.container, w.kind, output)
	}
	if counted, ok := w.counter.observe(res); ok {
		if w.m.results.set(w.uid, resultKey{containerID: t.container.ID, kind: w.kind}, counted) {
			w.m.cfg.OnChange(w.uid)
		}
	}
}

// counter is a worker's decision state, pure so that the schedule and the thresholds can be
// tested without time passing:
//
//	not running / initial delay / waiting for startup / held  -> no probe
//	result repeats threshold times in a row                   -> counted
//	liveness or startup counted Failure                       -> held until a new container ID
type counter struct {
	kind         Kind
	initialDelay time.Duration
	success      int
	failure      int

	containerID string
	last        action.Result
	run         int
	held        bool
}

func newCounter(kind Kind, p *v1.Probe) counter {
	c := counter{kind: kind, initialDelay: time.Duration(p.InitialDelaySeconds) * time.Second,
		success: int(max(p.SuccessThreshold, 1)), failure: int(max(p.FailureThreshold, 1))}
	if p.FailureThreshold == 0 {
		c.failure = 3
	}
	return c
}

// due tells whether to probe now: the container runs, its initial delay is over, its startup
// probe (if any) has succeeded (or this is that probe, not yet succeeded), and the worker is not
// held after a failure. A new container instance resets the counts.
func (c *counter) due(ct ContainerState, startup, own action.Result, hasStartup bool, now time.Time) bool {
	if !ct.Running || ct.ID == "" {
		return false
	}
	if ct.ID != c.containerID {
		c.containerID, c.last, c.run, c.held = ct.ID, action.Unknown, 0, false
	}
	switch {
	case c.held:
		return false
	case c.kind == Startup && own == action.Success:
		return false // started: the startup probe is done
	case c.kind != Startup && hasStartup && startup != action.Success:
		return false // gated by the startup probe
	case now.Before(ct.StartedAt.Add(c.initialDelay)):
		return false
	}
	return true
}

// observe counts one probe result and returns the result once it has repeated its threshold.
// Unknown (the probe could not run) is thrown away, as kubelet does.
func (c *counter) observe(r action.Result) (action.Result, bool) {
	if r == action.Unknown {
		return 0, false
	}
	if r == c.last {
		c.run++
	} else {
		c.last, c.run = r, 1
	}
	threshold := c.success
	if r == action.Failure {
		threshold = c.failure
	}
	if c.run < threshold {
		return 0, false
	}
	if r == action.Failure && (c.kind == Liveness || c.kind == Startup) {
		c.held = true
	}
	return r, true
}
