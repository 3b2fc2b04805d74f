package sandbox

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/network"
)

func TestPortMappings(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		spec v1.PodSpec
		want []network.PortMapping
	}{
		{name: "no ports", spec: v1.PodSpec{Containers: []v1.Container{{Name: "a"}}}},
		{
			name: "only ports with a hostPort are published",
			spec: v1.PodSpec{Containers: []v1.Container{{Name: "a", Ports: []v1.ContainerPort{
				{ContainerPort: 80},
				{ContainerPort: 8080, HostPort: 18080},
			}}}},
			want: []network.PortMapping{{HostPort: 18080, ContainerPort: 8080, Protocol: "tcp"}},
		},
		{
			name: "protocol lower-cased, TCP by default, hostIP kept",
			spec: v1.PodSpec{Containers: []v1.Container{{Name: "a", Ports: []v1.ContainerPort{
				{ContainerPort: 53, HostPort: 1053, Protocol: v1.ProtocolUDP},
				{ContainerPort: 9000, HostPort: 19000, Protocol: v1.ProtocolSCTP, HostIP: "127.0.0.1"},
				{ContainerPort: 80, HostPort: 8080, Protocol: v1.ProtocolTCP},
			}}}},
			want: []network.PortMapping{
				{HostPort: 1053, ContainerPort: 53, Protocol: "udp"},
				{HostPort: 19000, ContainerPort: 9000, Protocol: "sctp", HostIP: "127.0.0.1"},
				{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
			},
		},
		{
			name: "sidecar init containers included, plain init containers not",
			spec: v1.PodSpec{
				InitContainers: []v1.Container{
					{Name: "setup", Ports: []v1.ContainerPort{{ContainerPort: 1, HostPort: 10001}}},
					{Name: "proxy", RestartPolicy: &always, Ports: []v1.ContainerPort{{ContainerPort: 2, HostPort: 10002}}},
				},
				Containers: []v1.Container{
					{Name: "a", Ports: []v1.ContainerPort{{ContainerPort: 3, HostPort: 10003}}},
					{Name: "b", Ports: []v1.ContainerPort{{ContainerPort: 4, HostPort: 10004, Protocol: v1.ProtocolUDP}}},
				},
			},
			want: []network.PortMapping{
				{HostPort: 10002, ContainerPort: 2, Protocol: "tcp"},
				{HostPort: 10003, ContainerPort: 3, Protocol: "tcp"},
				{HostPort: 10004, ContainerPort: 4, Protocol: "udp"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PortMappings(&v1.Pod{Spec: tc.spec})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("PortMappings = %+v, want %+v", got, tc.want)
			}
		})
	}
}
