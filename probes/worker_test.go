package probes

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes/action"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func TestCounterDue(t *testing.T) {
	running := ContainerState{Name: "c", ID: "id1", Running: true, StartedAt: t0}
	tests := []struct {
		name       string
		kind       Kind
		probe      v1.Probe
		held       bool
		state      ContainerState
		startup    action.Result
		own        action.Result
		hasStartup bool
		now        time.Time
		want       bool
	}{
		{name: "running, no delay", kind: Liveness, state: running, now: t0, want: true},
		{name: "not running", kind: Liveness, state: ContainerState{Name: "c", ID: "id1"}, now: t0, want: false},
		{name: "no container yet", kind: Readiness, state: ContainerState{Name: "c"}, now: t0, want: false},
		{name: "within the initial delay", kind: Readiness, probe: v1.Probe{InitialDelaySeconds: 5}, state: running, now: t0.Add(4 * time.Second), want: false},
		{name: "initial delay over", kind: Readiness, probe: v1.Probe{InitialDelaySeconds: 5}, state: running, now: t0.Add(5 * time.Second), want: true},
		{name: "gated until startup succeeds", kind: Liveness, state: running, hasStartup: true, startup: action.Unknown, now: t0, want: false},
		{name: "startup passed: liveness runs", kind: Liveness, state: running, hasStartup: true, startup: action.Success, now: t0, want: true},
		{name: "startup runs until it succeeds", kind: Startup, state: running, hasStartup: true, own: action.Unknown, now: t0, want: true},
		{name: "startup is done once it succeeded", kind: Startup, state: running, hasStartup: true, own: action.Success, now: t0, want: false},
		{name: "held after a liveness failure", kind: Liveness, held: true, state: running, now: t0, want: false},
		{name: "a new container releases the hold", kind: Liveness, held: true, state: ContainerState{Name: "c", ID: "id2", Running: true, StartedAt: t0}, now: t0, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCounter(tc.kind, &tc.probe)
			c.containerID, c.held = "id1", tc.held
			if got := c.due(tc.state, tc.startup, tc.own, tc.hasStartup, tc.now); got != tc.want {
				t.Errorf("due = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCounterThresholds(t *testing.T) {
	S, F, U := action.Success, action.Failure, action.Unknown
	tests := []struct {
		name    string
		kind    Kind
		probe   v1.Probe
		results []action.Result
		// counted is what observe returned after each result; U where nothing counted.
		counted []action.Result
		held    bool
	}{
		{name: "liveness fails after three in a row", kind: Liveness, probe: v1.Probe{FailureThreshold: 3},
			results: []action.Result{F, F, S, F, F, F}, counted: []action.Result{U, U, S, U, U, F}, held: true},
		{name: "readiness needs two successes", kind: Readiness, probe: v1.Probe{SuccessThreshold: 2, FailureThreshold: 1},
			results: []action.Result{S, F, S, S, S}, counted: []action.Result{U, F, U, S, S}},
		{name: "readiness failure does not hold", kind: Readiness, probe: v1.Probe{FailureThreshold: 1},
			results: []action.Result{F, S}, counted: []action.Result{F, S}},
		{name: "errors are thrown away", kind: Liveness, probe: v1.Probe{FailureThreshold: 2},
			results: []action.Result{F, U, F}, counted: []action.Result{U, U, F}, held: true},
		{name: "default failure threshold is 3", kind: Startup,
			results: []action.Result{F, F, F}, counted: []action.Result{U, U, F}, held: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCounter(tc.kind, &tc.probe)
			for i, r := range tc.results {
				got, ok := c.observe(r)
				if !ok {
					got = U
				}
				if got != tc.counted[i] {
					t.Errorf("after result %d (%s): counted %s, want %s", i, r, got, tc.counted[i])
				}
			}
			if c.held != tc.held {
				t.Errorf("held = %v, want %v", c.held, tc.held)
			}
		})
	}
}

func TestResultsChange(t *testing.T) {
	r := newResults()
	k := resultKey{containerID: "id", kind: Readiness}
	if r.set("uid", k, action.Failure) {
		t.Error("a first readiness Failure (the initial result) reported a change")
	}
	if !r.set("uid", k, action.Success) {
		t.Error("Failure -> Success not reported")
	}
	if r.set("uid", k, action.Success) {
		t.Error("Success -> Success reported")
	}
	r.forgetOthers("uid", map[string]bool{"other": true})
	if _, ok := r.get(k); ok {
		t.Error("a replaced container's result survived")
	}
}
