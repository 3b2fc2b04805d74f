package network

import (
	"errors"
	"net"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

// PortMapping publishes a pod port on the host (a container port with a
// hostPort); the portmap plugin sets it up.
type PortMapping struct {
	HostPort, ContainerPort int32
	Protocol                string // "tcp", "udp", "sctp" (lower case, as the portmap plugin wants)
	HostIP                  string // "" = all
}

// Attachment names one sandbox's attachment to the pod network.
type Attachment struct {
	SandboxID                     string // CNI ContainerID
	NetnsPath                     string
	PodName, PodNamespace, PodUID string
	PortMappings                  []PortMapping
}

// Result is what Setup gives the pod.
type Result struct {
	IPs []net.IP // pod IPs on eth0, IPv4 first
}

const (
	podIfName      = "eth0"
	loopbackIfName = "lo"
)

func (a Attachment) validate() error {
	if a.SandboxID == "" {
		return errors.New("attachment has no sandbox ID")
	}
	return nil
}

// portMapEntry is one entry of the portMappings capability, as portmap
// reads it.
type portMapEntry struct {
	HostPort      int32  `json:"hostPort"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// runtimeConf is the per-invocation CNI input for one network of a sandbox.
// Kubernetes' CNI_ARGS go to every plugin; the portMappings capability only
// when there are mappings (libcni hands it only to plugins that declare it).
func runtimeConf(a Attachment, netns, ifName string) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{
		ContainerID: a.SandboxID,
		NetNS:       netns,
		IfName:      ifName,
		Args: [][2]string{
			{"IgnoreUnknown", "1"},
			{"K8S_POD_NAMESPACE", a.PodNamespace},
			{"K8S_POD_NAME", a.PodName},
			{"K8S_POD_INFRA_CONTAINER_ID", a.SandboxID},
			{"K8S_POD_UID", a.PodUID},
		},
	}
	if pm := portMappings(a.PortMappings); len(pm) > 0 {
		rt.CapabilityArgs = map[string]any{"portMappings": pm}
	}
	return rt
}

// portMappings converts the mappings for portmap. A mapping without a host
// port publishes nothing (Kubernetes publishes only ports with a hostPort), so
// it is left out; the protocol defaults to tcp, in lower case.
func portMappings(in []PortMapping) []portMapEntry {
	var out []portMapEntry
	for _, p := range in {
		if p.HostPort <= 0 {
			continue
		}
		proto := strings.ToLower(p.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, portMapEntry{
			HostPort:      p.HostPort,
			ContainerPort: p.ContainerPort,
			Protocol:      proto,
			HostIP:        p.HostIP,
		})
	}
	return out
}
