package runtime

import (
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// portPod is a pod named name with one container publishing ports.
func portPod(name, uid string, hostNetwork bool, ports ...v1.ContainerPort) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metaFor(name, "default", uid),
		Spec: v1.PodSpec{HostNetwork: hostNetwork, Containers: []v1.Container{
			{Name: "c", Image: "busybox", Ports: ports},
		}},
	}
}

func TestHostPorts(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		pod  *v1.Pod
		want []hostPortKey
	}{
		{name: "container ports without hostPort take nothing",
			pod: portPod("a", "u", false, v1.ContainerPort{ContainerPort: 80})},
		{name: "hostPort, TCP by default",
			pod:  portPod("a", "u", false, v1.ContainerPort{ContainerPort: 80, HostPort: 8080}),
			want: []hostPortKey{{port: 8080, protocol: v1.ProtocolTCP}}},
		{name: "wildcard hostIPs mean every address",
			pod: portPod("a", "u", false,
				v1.ContainerPort{ContainerPort: 80, HostPort: 8080, HostIP: "0.0.0.0"},
				v1.ContainerPort{ContainerPort: 81, HostPort: 8081, HostIP: "::"},
				v1.ContainerPort{ContainerPort: 82, HostPort: 8082, HostIP: "127.0.0.1", Protocol: v1.ProtocolUDP}),
			want: []hostPortKey{{port: 8080, protocol: v1.ProtocolTCP}, {port: 8081, protocol: v1.ProtocolTCP},
				{port: 8082, protocol: v1.ProtocolUDP, ip: "127.0.0.1"}}},
		{name: "hostNetwork takes the container port",
			pod:  portPod("a", "u", true, v1.ContainerPort{ContainerPort: 9090}),
			want: []hostPortKey{{port: 9090, protocol: v1.ProtocolTCP}}},
		{name: "init containers and sidecars count",
			pod: &v1.Pod{Spec: v1.PodSpec{
				InitContainers: []v1.Container{
					{Name: "i", Ports: []v1.ContainerPort{{ContainerPort: 1, HostPort: 1001}}},
					{Name: "s", RestartPolicy: &always, Ports: []v1.ContainerPort{{ContainerPort: 2, HostPort: 1002}}},
				},
				Containers: []v1.Container{{Name: "c", Ports: []v1.ContainerPort{{ContainerPort: 3, HostPort: 1003}}}},
			}},
			want: []hostPortKey{{port: 1001, protocol: v1.ProtocolTCP}, {port: 1002, protocol: v1.ProtocolTCP},
				{port: 1003, protocol: v1.ProtocolTCP}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hostPorts(tc.pod); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("hostPorts = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAdmitReason(t *testing.T) {
	tcp := func(hostPort int32, hostIP string) v1.ContainerPort {
		return v1.ContainerPort{ContainerPort: 80, HostPort: hostPort, HostIP: hostIP}
	}
	udp := func(hostPort int32, hostIP string) v1.ContainerPort {
		return v1.ContainerPort{ContainerPort: 53, HostPort: hostPort, HostIP: hostIP, Protocol: v1.ProtocolUDP}
	}
	tests := []struct {
		name        string
		pod         *v1.Pod
		admitted    []*v1.Pod
		wantReason  string
		wantMessage string // substring; "" means the message must be empty too
	}{
		{name: "nothing else admitted", pod: portPod("web", "uid-1", false, tcp(8080, ""))},
		{name: "itself in the admitted list is no conflict",
			pod:      portPod("web", "uid-1", false, tcp(8080, "")),
			admitted: []*v1.Pod{portPod("web", "uid-1", false, tcp(8080, ""))}},
		{name: "same name and namespace, other UID: wait for it to stop",
			pod:         portPod("web", "uid-2", false),
			admitted:    []*v1.Pod{portPod("web", "uid-1", false)},
			wantMessage: "waiting for the previous pod default/web (uid-1) to stop"},
		{name: "same name in another namespace is a different pod",
			pod: portPod("web", "uid-2", false),
			admitted: []*v1.Pod{func() *v1.Pod {
				p := portPod("web", "uid-1", false)
				p.Namespace = "other"
				return p
			}()}},
		{name: "same hostPort and protocol on every address",
			pod:         portPod("web", "uid-2", false, tcp(8080, "")),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, ""))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP is already used by pod default/other"},
		{name: "same port, other protocol",
			pod:      portPod("web", "uid-2", false, udp(8080, "")),
			admitted: []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, ""))}},
		{name: "different ports",
			pod:      portPod("web", "uid-2", false, tcp(8081, "")),
			admitted: []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, ""))}},
		{name: "0.0.0.0 against a specific IP conflicts",
			pod:         portPod("web", "uid-2", false, tcp(8080, "0.0.0.0")),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, "127.0.0.1"))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP"},
		{name: "a specific IP against every address conflicts",
			pod:         portPod("web", "uid-2", false, tcp(8080, "192.168.1.10")),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, ""))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP"},
		{name: ":: against a specific IP conflicts",
			pod:         portPod("web", "uid-2", false, udp(5353, "::")),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, udp(5353, "10.0.0.1"))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 5353/UDP"},
		{name: "the same specific IP conflicts",
			pod:         portPod("web", "uid-2", false, tcp(8080, "127.0.0.1")),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, "127.0.0.1"))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP"},
		{name: "different specific IPs do not conflict",
			pod:      portPod("web", "uid-2", false, tcp(8080, "127.0.0.1")),
			admitted: []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, "127.0.0.2"))}},
		{name: "hostNetwork uses the containerPort",
			pod:         portPod("web", "uid-2", true, v1.ContainerPort{ContainerPort: 8080}),
			admitted:    []*v1.Pod{portPod("other", "uid-1", false, tcp(8080, ""))},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP is already used by pod default/other"},
		{name: "two hostNetwork pods on one container port",
			pod:         portPod("web", "uid-2", true, v1.ContainerPort{ContainerPort: 9100}),
			admitted:    []*v1.Pod{portPod("other", "uid-1", true, v1.ContainerPort{ContainerPort: 9100})},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 9100/TCP"},
		{name: "a container port of a pod-network pod takes no host port",
			pod:      portPod("web", "uid-2", true, v1.ContainerPort{ContainerPort: 80}),
			admitted: []*v1.Pod{portPod("other", "uid-1", false, v1.ContainerPort{ContainerPort: 80})}},
		{name: "every conflict is listed",
			pod: portPod("web", "uid-3", false, tcp(8080, ""), udp(5353, "")),
			admitted: []*v1.Pod{
				portPod("a", "uid-1", false, tcp(8080, "")),
				portPod("b", "uid-2", false, udp(5353, "")),
			},
			wantReason:  "HostPortConflict",
			wantMessage: "hostPort 8080/TCP is already used by pod default/a; hostPort 5353/UDP is already used by pod default/b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reason, msg := admitReason(tc.pod, tc.admitted)
			if reason != tc.wantReason {
				t.Errorf("reason %q, want %q (message %q)", reason, tc.wantReason, msg)
			}
			if tc.wantMessage == "" && msg != "" {
				t.Errorf("message %q, want none", msg)
			}
			if !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("message %q, want it to contain %q", msg, tc.wantMessage)
			}
		})
	}
}
