package probes

import (
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes/action"
)

// Run is one probe run, as an Observer sees it.
type Run struct {
	Pod       *v1.Pod
	Container string
	Kind      Kind
	Result    action.Result // the raw result of this run, before thresholds
	Took      time.Duration
}

// Observer is told of every probe run (package metrics counts them). It must not block.
type Observer interface {
	ObserveProbe(Run)
}

type noObserver struct{}

func (noObserver) ObserveProbe(Run) {}
