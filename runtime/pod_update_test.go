package runtime

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestInPlaceUpdateResources(t *testing.T) {
	pod := func(req, lim string) *v1.Pod {
		p := &v1.Pod{ObjectMeta: metaFor("web", "default", "u1")}
		r := v1.ResourceRequirements{Requests: v1.ResourceList{}, Limits: v1.ResourceList{}}
		if req != "" {
			r.Requests[v1.ResourceCPU] = resource.MustParse(req)
			r.Requests[v1.ResourceMemory] = resource.MustParse("16Mi")
		}
		if lim != "" {
			r.Limits[v1.ResourceCPU] = resource.MustParse(lim)
			r.Limits[v1.ResourceMemory] = resource.MustParse("16Mi")
		}
		p.Spec.Containers = []v1.Container{{Name: "main", Image: "busybox", Resources: r}}
		return p
	}
	tests := []struct {
		name         string
		old, new     *v1.Pod
		wantInPlace  bool
		wantRestarts []string
	}{
		{name: "burstable stays burstable", old: pod("100m", "1"), new: pod("200m", "1"), wantInPlace: true, wantRestarts: []string{"main"}},
		{name: "burstable to guaranteed recreates", old: pod("100m", "1"), new: pod("1", "1")},
		{name: "besteffort to burstable recreates", old: pod("", ""), new: pod("100m", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restart, ok := inPlaceUpdate(tt.old, tt.new)
			if ok != tt.wantInPlace || !slices.Equal(restart, tt.wantRestarts) {
				t.Errorf("inPlaceUpdate = %v, %v; want %v, %v", restart, ok, tt.wantRestarts, tt.wantInPlace)
			}
		})
	}
}
