package runtime

import (
	v1 "k8s.io/api/core/v1"
)

// Kubelet's OOM score adjustments (pkg/kubelet/qos/policy.go): the kernel's OOM killer picks the
// highest oom_score_adj first, so BestEffort containers go first and Guaranteed ones last.
const (
	guaranteedOOMScoreAdj = -997
	besteffortOOMScoreAdj = 1000
	// PauseOOMScoreAdj is the pause container's: below every container of the pod.
	PauseOOMScoreAdj = -998
)

// oomScoreAdj is kubelet's GetContainerOOMScoreAdjust: by QoS class, and for Burstable containers
// by the share of the node's memory they request (more request, later to die), kept within
// (3, 999) so that Guaranteed containers stay below and BestEffort above them.
func oomScoreAdj(qos v1.PodQOSClass, c *v1.Container, memoryCapacity int64) int {
	switch qos {
	case v1.PodQOSGuaranteed:
		return guaranteedOOMScoreAdj
	case v1.PodQOSBestEffort:
		return besteffortOOMScoreAdj
	}
	if memoryCapacity <= 0 {
		return besteffortOOMScoreAdj - 1
	}
	adj := 1000 - (1000*c.Resources.Requests.Memory().Value())/memoryCapacity
	switch {
	case adj < 1000+guaranteedOOMScoreAdj:
		return 1000 + guaranteedOOMScoreAdj
	case adj >= besteffortOOMScoreAdj:
		return besteffortOOMScoreAdj - 1
	}
	return int(adj)
}
