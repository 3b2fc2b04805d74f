package runtime

import (
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestQOSClass(t *testing.T) {
	res := func(cpuReq, memReq, cpuLim, memLim string) v1.ResourceRequirements {
		list := func(cpu, mem string) v1.ResourceList {
			l := v1.ResourceList{}
			if cpu != "" {
				l[v1.ResourceCPU] = resource.MustParse(cpu)
			}
			if mem != "" {
				l[v1.ResourceMemory] = resource.MustParse(mem)
			}
			if len(l) == 0 {
				return nil
			}
			return l
		}
		return v1.ResourceRequirements{Requests: list(cpuReq, memReq), Limits: list(cpuLim, memLim)}
	}
	tests := []struct {
		name string
		init []v1.ResourceRequirements
		main []v1.ResourceRequirements
		want v1.PodQOSClass
	}{
		{name: "no resources", main: []v1.ResourceRequirements{{}, {}}, want: v1.PodQOSBestEffort},
		{name: "requests only", main: []v1.ResourceRequirements{res("100m", "", "", "")}, want: v1.PodQOSBurstable},
		{name: "limits only on cpu and memory: requests default to them",
			main: []v1.ResourceRequirements{res("", "", "1", "1Gi")}, want: v1.PodQOSGuaranteed},
		{name: "requests equal limits", main: []v1.ResourceRequirements{res("500m", "256Mi", "500m", "256Mi"), res("1", "1Gi", "1", "1Gi")},
			want: v1.PodQOSGuaranteed},
		{name: "equal in other units", main: []v1.ResourceRequirements{res("1", "1Gi", "1000m", "1024Mi")}, want: v1.PodQOSGuaranteed},
		{name: "requests below limits", main: []v1.ResourceRequirements{res("250m", "256Mi", "500m", "256Mi")}, want: v1.PodQOSBurstable},
		{name: "limits on cpu only", main: []v1.ResourceRequirements{res("", "", "1", "")}, want: v1.PodQOSBurstable},
		{name: "one guaranteed container, one without resources",
			main: []v1.ResourceRequirements{res("1", "1Gi", "1", "1Gi"), {}}, want: v1.PodQOSBurstable},
		{name: "an init container without limits spoils Guaranteed",
			init: []v1.ResourceRequirements{{}},
			main: []v1.ResourceRequirements{res("1", "1Gi", "1", "1Gi")}, want: v1.PodQOSBurstable},
		{name: "guaranteed init and main", init: []v1.ResourceRequirements{res("1", "1Gi", "1", "1Gi")},
			main: []v1.ResourceRequirements{res("2", "2Gi", "2", "2Gi")}, want: v1.PodQOSGuaranteed},
		{name: "only ephemeral-storage: BestEffort, as Kubernetes counts cpu and memory only",
			main: []v1.ResourceRequirements{{Limits: v1.ResourceList{v1.ResourceEphemeralStorage: resource.MustParse("1Gi")}}},
			want: v1.PodQOSBestEffort},
		{name: "a zero cpu request: BestEffort, as Kubernetes ignores zero quantities",
			main: []v1.ResourceRequirements{res("0", "", "", "")}, want: v1.PodQOSBestEffort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{}
			for i, r := range tc.init {
				pod.Spec.InitContainers = append(pod.Spec.InitContainers, v1.Container{Name: fmt.Sprintf("init-%d", i), Resources: r})
			}
			for i, r := range tc.main {
				pod.Spec.Containers = append(pod.Spec.Containers, v1.Container{Name: fmt.Sprintf("c-%d", i), Resources: r})
			}
			if got := qosClass(pod); got != tc.want {
				t.Errorf("qosClass = %s, want %s", got, tc.want)
			}
		})
	}
}
