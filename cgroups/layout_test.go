package cgroups

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestPodPath(t *testing.T) {
	tests := []struct {
		name, root string
		qos        v1.PodQOSClass
		want       string
	}{
		{name: "guaranteed right under kubepods", root: "/", qos: v1.PodQOSGuaranteed, want: "/kubepods/podu1"},
		{name: "burstable", root: "/", qos: v1.PodQOSBurstable, want: "/kubepods/burstable/podu1"},
		{name: "besteffort", root: "/", qos: v1.PodQOSBestEffort, want: "/kubepods/besteffort/podu1"},
		{name: "under a cgroup root", root: "/e2e-1", qos: v1.PodQOSBurstable, want: "/e2e-1/kubepods/burstable/podu1"},
		{name: "relative root", root: "e2e-1", qos: v1.PodQOSGuaranteed, want: "/e2e-1/kubepods/podu1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PodPath(tt.root, tt.qos, "u1"); got != tt.want {
				t.Errorf("PodPath = %q, want %q", got, tt.want)
			}
		})
	}
	if got := ContainerPath("/kubepods/podu1", "abc"); got != "/kubepods/podu1/abc" {
		t.Errorf("ContainerPath = %q", got)
	}
}
