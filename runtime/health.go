package runtime

import (
	"fmt"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
)

// health is what a running container's probes say of it.
type health struct {
	Started   bool   // startup probe passed (or none)
	Ready     bool   // started, and readiness passed (or none)
	Unhealthy string // "liveness" or "startup" when that probe failed: the container must go
}

// probeResults reads counted probe results; nil means no probes run at all.
type probeResults func(containerID string, kind probes.Kind) (action.Result, bool)

// healthOf applies kubelet's rules to a container instance's probe results.
func healthOf(results probeResults, c *v1.Container, st *ContainerStatus) health {
	if st == nil || st.State != StateRunning {
		return health{}
	}
	result := func(kind probes.Kind) action.Result {
		if results != nil {
			if r, ok := results(st.ID, kind); ok {
				return r
			}
		}
		return probes.Initial(kind)
	}
	var h health
	h.Started = c.StartupProbe == nil || result(probes.Startup) == action.Success
	h.Ready = h.Started && (c.ReadinessProbe == nil || result(probes.Readiness) == action.Success)
	switch {
	case c.StartupProbe != nil && result(probes.Startup) == action.Failure:
		h.Unhealthy = "startup"
	case c.LivenessProbe != nil && result(probes.Liveness) == action.Failure:
		h.Unhealthy = "liveness"
	}
	return h
}

// unhealthyKill is the kill of a container whose liveness or startup probe failed: kubelet's
// reason, and the probe's own terminationGracePeriodSeconds when it has one.
func unhealthyKill(c *v1.Container, st *ContainerStatus, probe string) containerKill {
	k := containerKill{Status: st, Reason: fmt.Sprintf("Container %s failed %s probe, will be restarted", c.Name, probe)}
	p := c.LivenessProbe
	if probe == "startup" {
		p = c.StartupProbe
	}
	if p != nil && p.TerminationGracePeriodSeconds != nil {
		g := *p.TerminationGracePeriodSeconds
		k.Grace = &g
	}
	return k
}
