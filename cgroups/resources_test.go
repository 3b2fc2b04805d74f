package cgroups

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestMilliCPUToShares(t *testing.T) {
	tests := []struct {
		milli int64
		want  uint64
	}{
		{0, 2}, {1, 2}, {2, 2}, {100, 102}, {250, 256}, {1000, 1024}, {2500, 2560}, {300000, MaxShares},
	}
	for _, tt := range tests {
		if got := MilliCPUToShares(tt.milli); got != tt.want {
			t.Errorf("MilliCPUToShares(%d) = %d, want %d", tt.milli, got, tt.want)
		}
	}
}

func TestMilliCPUToQuota(t *testing.T) {
	tests := []struct {
		milli, want int64
	}{
		{0, 0}, {5, 1000}, {10, 1000}, {200, 20000}, {1000, 100000}, {1500, 150000},
	}
	for _, tt := range tests {
		if got := MilliCPUToQuota(tt.milli, QuotaPeriod); got != tt.want {
			t.Errorf("MilliCPUToQuota(%d) = %d, want %d", tt.milli, got, tt.want)
		}
	}
}

func TestSharesToWeight(t *testing.T) {
	tests := []struct {
		shares, want uint64
	}{
		{0, 0}, {2, 1}, {1024, 39}, {102, 4}, {262144, 10000}, {1, 1}, {1 << 20, 10000},
	}
	for _, tt := range tests {
		if got := SharesToWeight(tt.shares); got != tt.want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", tt.shares, got, tt.want)
		}
	}
}

func res(reqCPU, reqMem, limCPU, limMem string) v1.ResourceRequirements {
	r := v1.ResourceRequirements{Requests: v1.ResourceList{}, Limits: v1.ResourceList{}}
	set := func(l v1.ResourceList, name v1.ResourceName, v string) {
		if v != "" {
			l[name] = resource.MustParse(v)
		}
	}
	set(r.Requests, v1.ResourceCPU, reqCPU)
	set(r.Requests, v1.ResourceMemory, reqMem)
	set(r.Limits, v1.ResourceCPU, limCPU)
	set(r.Limits, v1.ResourceMemory, limMem)
	return r
}

func TestContainerResources(t *testing.T) {
	tests := []struct {
		name string
		r    v1.ResourceRequirements
		want Resources
	}{
		{name: "none", r: res("", "", "", ""), want: Resources{CPUShares: 2}},
		{name: "request only", r: res("250m", "64Mi", "", ""), want: Resources{CPUShares: 256}},
		{name: "limits", r: res("100m", "", "500m", "16Mi"),
			want: Resources{CPUShares: 102, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 16 << 20}},
		{name: "limit without request gives shares from the limit", r: res("", "", "1", ""),
			want: Resources{CPUShares: 1024, CPUQuota: 100000, CPUPeriod: 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContainerResources(tt.r); got != tt.want {
				t.Errorf("ContainerResources = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPodResources(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	pod := func(init []v1.Container, main ...v1.ResourceRequirements) *v1.Pod {
		p := &v1.Pod{}
		p.Spec.InitContainers = init
		for _, r := range main {
			p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: r})
		}
		return p
	}
	tests := []struct {
		name string
		pod  *v1.Pod
		qos  v1.PodQOSClass
		want Resources
	}{
		{name: "besteffort gets the minimum shares", pod: pod(nil, res("", "", "", "")), qos: v1.PodQOSBestEffort,
			want: Resources{CPUShares: 2}},
		{name: "guaranteed sums limits", pod: pod(nil, res("1", "1Gi", "1", "1Gi"), res("500m", "512Mi", "500m", "512Mi")),
			qos:  v1.PodQOSGuaranteed,
			want: Resources{CPUShares: 1536, CPUQuota: 150000, CPUPeriod: 100000, MemoryLimit: 1536 << 20}},
		{name: "burstable with every limit declared", pod: pod(nil, res("100m", "", "200m", "16Mi"), res("", "", "300m", "16Mi")),
			qos:  v1.PodQOSBurstable,
			want: Resources{CPUShares: 102, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 32 << 20}},
		{name: "burstable with a container without limits", pod: pod(nil, res("100m", "", "200m", "16Mi"), res("", "", "", "")),
			qos: v1.PodQOSBurstable, want: Resources{CPUShares: 102}},
		{name: "burstable with memory limits only", pod: pod(nil, res("100m", "", "", "16Mi"), res("", "", "", "8Mi")),
			qos: v1.PodQOSBurstable, want: Resources{CPUShares: 102, MemoryLimit: 24 << 20}},
		{name: "a big init container sets the pod's total",
			pod: pod([]v1.Container{{Resources: res("2", "", "2", "")}}, res("1", "", "1", "")),
			qos: v1.PodQOSBurstable, want: Resources{CPUShares: 2048, CPUQuota: 200000, CPUPeriod: 100000}},
		{name: "sidecars add to the main containers",
			pod: pod([]v1.Container{{Resources: res("500m", "", "500m", ""), RestartPolicy: &always}}, res("1", "", "1", "")),
			qos: v1.PodQOSBurstable, want: Resources{CPUShares: 1536, CPUQuota: 150000, CPUPeriod: 100000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PodResources(tt.pod, tt.qos); got != tt.want {
				t.Errorf("PodResources = %+v, want %+v", got, tt.want)
			}
		})
	}
}
