package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// The files every container of a pod gets at /etc/hosts, /etc/resolv.conf and /etc/hostname, made
// as kubelet makes them. All pure.

// PodHostname is spec.hostname, else the pod name cut to 63 characters (a UTS name's limit) without
// a trailing '-' or '.'.
func PodHostname(pod *v1.Pod) string {
	if pod.Spec.Hostname != "" {
		return pod.Spec.Hostname
	}
	name := pod.Name
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-.")
	}
	return name
}

// hostsFile is the pod's /etc/hosts. With hostNetwork the node's own file is kept, as kubelet does;
// otherwise localhost lines, the pod IPs under its hostname, and hostAliases.
func hostsFile(pod *v1.Pod, ips []string, nodeHosts []byte) []byte {
	var b bytes.Buffer
	if pod.Spec.HostNetwork {
		b.WriteString("# Kubernetes-managed hosts file (host network).\n")
		b.Write(nodeHosts)
		if len(nodeHosts) > 0 && nodeHosts[len(nodeHosts)-1] != '\n' {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString("# Kubernetes-managed hosts file.\n")
		b.WriteString("127.0.0.1\tlocalhost\n")
		b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
		b.WriteString("fe00::0\tip6-localnet\n")
		b.WriteString("fe00::0\tip6-mcastprefix\n")
		b.WriteString("fe00::1\tip6-allnodes\n")
		b.WriteString("fe00::2\tip6-allrouters\n")
		for _, ip := range ips {
			fmt.Fprintf(&b, "%s\t%s\n", ip, PodHostname(pod))
		}
	}
	if len(pod.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range pod.Spec.HostAliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	return b.Bytes()
}

type dnsConfig struct {
	servers, searches, options []string
}

func parseResolvConf(data []byte) dnsConfig {
	var c dnsConfig
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			c.servers = append(c.servers, f[1])
		case "search":
			c.searches = f[1:] // the last search line wins, as in resolv.conf(5)
		case "domain":
			c.searches = f[1:2]
		case "options":
			c.options = append(c.options, f[1:]...)
		}
	}
	return c
}

// resolvConf is the pod's /etc/resolv.conf. There is no cluster DNS on this node, so ClusterFirst
// behaves as Default (the node's resolver config), as kubelet does without --cluster-dns; None uses
// only spec.dnsConfig; dnsConfig is merged on top otherwise. In a pod network namespace the node's
// loopback resolvers (systemd-resolved's 127.0.0.53, say) cannot be reached: they are dropped and
// reported in the returned warnings.
func resolvConf(pod *v1.Pod, node []byte) ([]byte, []string) {
	var c dnsConfig
	var warnings []string
	if pod.Spec.DNSPolicy != v1.DNSNone {
		c = parseResolvConf(node)
		if !pod.Spec.HostNetwork {
			kept := c.servers[:0]
			for _, s := range c.servers {
				if ip := net.ParseIP(s); ip != nil && ip.IsLoopback() {
					warnings = append(warnings, fmt.Sprintf("nameserver %s of the node is a loopback address, unreachable from the pod network; left out", s))
					continue
				}
				kept = append(kept, s)
			}
			c.servers = kept
		}
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		c.servers = appendUnique(c.servers, dc.Nameservers...)
		c.searches = appendUnique(c.searches, dc.Searches...)
		for _, o := range dc.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			c.options = mergeOption(c.options, o.Name, opt)
		}
	}
	if len(c.servers) > 3 {
		warnings = append(warnings, fmt.Sprintf("more than 3 nameservers; kept %s", strings.Join(c.servers[:3], ", ")))
		c.servers = c.servers[:3]
	}
	var b bytes.Buffer
	if len(c.searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(c.searches, " "))
	}
	for _, s := range c.servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(c.options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(c.options, " "))
	}
	return b.Bytes(), warnings
}

func appendUnique(list []string, more ...string) []string {
	seen := map[string]bool{}
	for _, s := range list {
		seen[s] = true
	}
	for _, s := range more {
		if !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	return list
}

// mergeOption replaces an option of the same name (before any ':') or appends it.
func mergeOption(opts []string, name, opt string) []string {
	for i, o := range opts {
		if n, _, _ := strings.Cut(o, ":"); n == name {
			opts[i] = opt
			return opts
		}
	}
	return append(opts, opt)
}
