package sandbox

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestPodSysctls(t *testing.T) {
	pod := &v1.Pod{}
	if got := podSysctls(pod); got != nil {
		t.Errorf("no securityContext: %v", got)
	}
	pod.Spec.SecurityContext = &v1.PodSecurityContext{Sysctls: []v1.Sysctl{
		{Name: "net.ipv4.tcp_syncookies", Value: "1"}, {Name: "kernel.shm_rmid_forced", Value: "0"},
	}}
	want := map[string]string{"net.ipv4.tcp_syncookies": "1", "kernel.shm_rmid_forced": "0"}
	if got := podSysctls(pod); !reflect.DeepEqual(got, want) {
		t.Errorf("podSysctls = %v, want %v", got, want)
	}
}
