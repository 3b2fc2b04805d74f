package cgroups

import (
	v1 "k8s.io/api/core/v1"
)

// Kubelet's constants for turning CPU quantities into cgroup values (pkg/kubelet/cm/helpers_linux.go).
const (
	MinShares    = 2
	MaxShares    = 262144
	SharesPerCPU = 1024
	milliPerCPU  = 1000
	QuotaPeriod  = 100000 // µs: the CFS period kubelet uses
	minQuota     = 1000   // µs: the kernel's smallest quota
	maxWeight    = 10000
	minWeight    = 1
	sharesSpanV1 = MaxShares - MinShares
	weightSpanV2 = maxWeight - minWeight
)

// MilliCPUToShares turns a CPU request into cpu.shares: 1024 per CPU, at least 2.
func MilliCPUToShares(milliCPU int64) uint64 {
	if milliCPU <= 0 {
		return MinShares
	}
	shares := milliCPU * SharesPerCPU / milliPerCPU
	switch {
	case shares < MinShares:
		return MinShares
	case shares > MaxShares:
		return MaxShares
	}
	return uint64(shares)
}

// MilliCPUToQuota turns a CPU limit into a CFS quota for the period; 0 means no limit.
func MilliCPUToQuota(milliCPU, period int64) int64 {
	if milliCPU <= 0 {
		return 0
	}
	return max(milliCPU*period/milliPerCPU, minQuota)
}

// SharesToWeight is the cgroup v2 cpu.weight for v1 shares, by the conversion kubelet and runc
// share: [2, 262144] maps linearly onto [1, 10000].
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	shares = min(max(shares, MinShares), MaxShares)
	return minWeight + ((shares-MinShares)*weightSpanV2)/sharesSpanV1
}

// Resources are the limits of one cgroup; nil or zero fields are left as the kernel has them.
type Resources struct {
	CPUShares   uint64 // 0: unset
	CPUQuota    int64  // µs per CPUPeriod; 0: unset
	CPUPeriod   uint64
	MemoryLimit int64 // bytes; 0: unset
}

// ContainerResources are what kubelet puts into a container's cgroup: shares from the CPU request
// (from the limit when only that is set; 2 when neither is), a CFS quota from the CPU limit and
// the memory limit.
func ContainerResources(r v1.ResourceRequirements) Resources {
	req, lim := r.Requests.Cpu().MilliValue(), r.Limits.Cpu().MilliValue()
	shares := MilliCPUToShares(req)
	if req == 0 && lim > 0 {
		shares = MilliCPUToShares(lim)
	}
	out := Resources{CPUShares: shares, MemoryLimit: r.Limits.Memory().Value()}
	if q := MilliCPUToQuota(lim, QuotaPeriod); q > 0 {
		out.CPUQuota, out.CPUPeriod = q, QuotaPeriod
	}
	return out
}

// PodResources are the pod cgroup's limits as kubelet sets them (ResourceConfigForPod): shares
// from the pod's CPU requests; for Guaranteed pods, and for Burstable pods where every container
// declares the limit, the CPU quota and memory limit of the pod's total; BestEffort pods get the
// minimum shares and nothing else.
func PodResources(pod *v1.Pod, qos v1.PodQOSClass) Resources {
	if qos == v1.PodQOSBestEffort {
		return Resources{CPUShares: MinShares}
	}
	cpuReq := podTotal(pod, func(r v1.ResourceRequirements) int64 { return r.Requests.Cpu().MilliValue() })
	cpuLim := podTotal(pod, func(r v1.ResourceRequirements) int64 { return r.Limits.Cpu().MilliValue() })
	memLim := podTotal(pod, func(r v1.ResourceRequirements) int64 { return r.Limits.Memory().Value() })
	cpuDeclared, memDeclared := true, true
	for _, c := range allContainers(pod) {
		cpuDeclared = cpuDeclared && !c.Resources.Limits.Cpu().IsZero()
		memDeclared = memDeclared && !c.Resources.Limits.Memory().IsZero()
	}
	out := Resources{CPUShares: MilliCPUToShares(cpuReq)}
	if qos == v1.PodQOSGuaranteed || cpuDeclared {
		out.CPUQuota, out.CPUPeriod = MilliCPUToQuota(cpuLim, QuotaPeriod), QuotaPeriod
	}
	if qos == v1.PodQOSGuaranteed || memDeclared {
		out.MemoryLimit = memLim
	}
	return out
}

func allContainers(pod *v1.Pod) []v1.Container {
	return append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
}

// podTotal is Kubernetes' pod-level sum of one resource (resourcehelper.PodRequests): the main
// containers and sidecars together, or the largest init container plus the sidecars started
// before it, whichever is more.
func podTotal(pod *v1.Pod, value func(v1.ResourceRequirements) int64) int64 {
	var sum, sidecars, initMax int64
	for _, c := range pod.Spec.Containers {
		sum += value(c.Resources)
	}
	for _, c := range pod.Spec.InitContainers {
		v := value(c.Resources)
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sidecars += v
			sum += v
			initMax = max(initMax, sidecars)
			continue
		}
		initMax = max(initMax, v+sidecars)
	}
	return max(sum, initMax)
}
