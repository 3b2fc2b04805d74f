package runtime

import (
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// hostPortKey is one port a pod takes on the host.
type hostPortKey struct {
	port     int32
	protocol v1.Protocol
	ip       string // "" for every address
}

// hostPorts lists the host ports a pod takes: hostPort entries, and with hostNetwork the container
// ports themselves.
func hostPorts(pod *v1.Pod) []hostPortKey {
	var out []hostPortKey
	all := append(append([]v1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range all {
		for _, p := range c.Ports {
			port := p.HostPort
			if pod.Spec.HostNetwork && port == 0 {
				port = p.ContainerPort
			}
			if port == 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = v1.ProtocolTCP
			}
			ip := p.HostIP
			if ip == "0.0.0.0" || ip == "::" {
				ip = ""
			}
			out = append(out, hostPortKey{port: port, protocol: proto, ip: ip})
		}
	}
	return out
}

func (k hostPortKey) conflicts(o hostPortKey) bool {
	return k.port == o.port && k.protocol == o.protocol && (k.ip == "" || o.ip == "" || k.ip == o.ip)
}

// admitReason says why a pod cannot start yet next to the admitted ones, or "" when it can. A pod
// that cannot is retried whenever the set of pods changes (kubelet would fail it for good:
// k8s#116484).
func admitReason(pod *v1.Pod, admitted []*v1.Pod) (reason, message string) {
	for _, other := range admitted {
		if other.UID == pod.UID {
			continue
		}
		if other.Namespace == pod.Namespace && other.Name == pod.Name {
			return "", fmt.Sprintf("waiting for the previous pod %s/%s (%s) to stop", other.Namespace, other.Name, other.UID)
		}
	}
	var taken []string
	for _, want := range hostPorts(pod) {
		for _, other := range admitted {
			if other.UID == pod.UID {
				continue
			}
			for _, have := range hostPorts(other) {
				if want.conflicts(have) {
					taken = append(taken, fmt.Sprintf("hostPort %d/%s is already used by pod %s/%s", want.port, want.protocol, other.Namespace, other.Name))
				}
			}
		}
	}
	if len(taken) > 0 {
		return "HostPortConflict", strings.Join(taken, "; ")
	}
	return "", ""
}
