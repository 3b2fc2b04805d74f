package runtime

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestOOMScoreAdj(t *testing.T) {
	const gi = int64(1 << 30)
	withRequest := func(mem string) *v1.Container {
		c := &v1.Container{}
		if mem != "" {
			c.Resources.Requests = v1.ResourceList{v1.ResourceMemory: resource.MustParse(mem)}
		}
		return c
	}
	tests := []struct {
		name     string
		qos      v1.PodQOSClass
		c        *v1.Container
		capacity int64
		want     int
	}{
		{name: "guaranteed", qos: v1.PodQOSGuaranteed, c: withRequest("1Gi"), capacity: 8 * gi, want: -997},
		{name: "besteffort", qos: v1.PodQOSBestEffort, c: withRequest(""), capacity: 8 * gi, want: 1000},
		{name: "burstable, a quarter of the node", qos: v1.PodQOSBurstable, c: withRequest("2Gi"), capacity: 8 * gi, want: 750},
		{name: "burstable without a memory request", qos: v1.PodQOSBurstable, c: withRequest(""), capacity: 8 * gi, want: 999},
		{name: "burstable asking for the whole node", qos: v1.PodQOSBurstable, c: withRequest("8Gi"), capacity: 8 * gi, want: 3},
		{name: "unknown capacity", qos: v1.PodQOSBurstable, c: withRequest("1Gi"), want: 999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := oomScoreAdj(tt.qos, tt.c, tt.capacity); got != tt.want {
				t.Errorf("oomScoreAdj = %d, want %d", got, tt.want)
			}
		})
	}
}
