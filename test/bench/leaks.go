package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

func mklNetns() []string {
	entries, _ := os.ReadDir("/run/netns")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "mkl-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// sandboxIDs lists the agent's pod sandboxes (pause containers) now.
func (a *agentProc) sandboxIDs() []string {
	out, _ := exec.Command("ctr", "-n", a.namespace, "containers", "ls", "-q", `labels."io.minikubelet.kind"==sandbox`).Output()
	return strings.Fields(string(out))
}

// leaks lists what the agent's pods left on the host once all are gone: the network namespaces
// of the given sandboxes (others' are not the agent's business), veths, iptables rules, IPAM
// leases, containers, tasks, active snapshots, mounts, shims.
func (a *agentProc) leaks(sandboxes []string) []string {
	var out []string
	for _, n := range mklNetns() {
		if slices.Contains(sandboxes, strings.TrimPrefix(n, "mkl-")) {
			out = append(out, "netns "+n)
		}
	}
	if _, err := net.InterfaceByName(a.bridge); err == nil {
		if o, _ := exec.Command("ip", "-o", "link", "show", "master", a.bridge).Output(); len(strings.TrimSpace(string(o))) > 0 {
			out = append(out, "veths: "+strings.TrimSpace(string(o)))
		}
	}
	prefix := a.cidr[:strings.LastIndexByte(a.cidr[:strings.IndexByte(a.cidr, '/')], '.')+1]
	if o, err := exec.Command("iptables-save").Output(); err == nil {
		for _, line := range strings.Split(string(o), "\n") {
			if strings.Contains(line, prefix) {
				out = append(out, "iptables: "+line)
			}
		}
	}
	leases, _ := os.ReadDir(filepath.Join(a.root, "cni", "ipam", "minikubelet"))
	for _, l := range leases {
		if net.ParseIP(l.Name()) != nil {
			out = append(out, "IPAM lease "+l.Name())
		}
	}
	ctr := func(args ...string) string {
		o, _ := exec.Command("ctr", append([]string{"-n", a.namespace}, args...)...).Output()
		return string(o)
	}
	if c := strings.TrimSpace(ctr("containers", "ls", "-q")); c != "" {
		out = append(out, "containers: "+strings.ReplaceAll(c, "\n", " "))
	}
	for _, line := range strings.Split(ctr("snapshots", "ls"), "\n") {
		if strings.Contains(line, "Active") {
			out = append(out, "snapshot: "+line)
		}
	}
	if m, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(m), "\n") {
			if strings.Contains(line, a.root) {
				out = append(out, "mount: "+line)
			}
		}
	}
	if o, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output(); len(o) > 0 {
		out = append(out, fmt.Sprintf("shims: %s", strings.TrimSpace(string(o))))
	}
	return out
}
