package e2e

import (
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The fault tests' view of what the agent's pods hold on the host, scoped to the agent's own
// pod CIDR, IPAM store and bridge.

// ipamDir is host-local's store for the agent's network.
func (a *agent) ipamDir() string { return filepath.Join(a.root, "cni", "ipam", "minikubelet") }

// leasedIPs returns the IPs host-local holds leased, sorted.
func (a *agent) leasedIPs() []string {
	entries, err := os.ReadDir(a.ipamDir())
	if err != nil && !os.IsNotExist(err) {
		a.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if net.ParseIP(e.Name()) != nil {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// everLeased returns every IP host-local has handed out so far. It allocates in order from the
// start of the range (the gateway .1 aside) and records the last, so that is all of them up to
// the last reserved one, as long as the range has not wrapped (a test makes far fewer pods).
func (a *agent) everLeased() []string {
	data, err := os.ReadFile(filepath.Join(a.ipamDir(), "last_reserved_ip.0"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		a.t.Fatal(err)
	}
	last := net.ParseIP(strings.TrimSpace(string(data))).To4()
	base := a.cidr.IP.To4()
	if last == nil || base == nil {
		a.t.Fatalf("last reserved IP %q in %s", data, a.cidr)
	}
	var out []string
	for n := binary.BigEndian.Uint32(base) + 2; n <= binary.BigEndian.Uint32(last); n++ {
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, n)
		out = append(out, ip.String())
	}
	return out
}

var ipv4InText = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// iptablesPodIPs returns the pod IPs of the agent's CIDR that iptables rules name, sorted and
// without repeats; the network address and the gateway (the bridge's own) are not pod IPs.
func (a *agent) iptablesPodIPs() []string {
	save, err := exec.Command("iptables-save").Output()
	if err != nil {
		a.t.Fatal(err)
	}
	gateway := slices.Clone(a.cidr.IP.To4())
	gateway[3]++
	var out []string
	for _, s := range ipv4InText.FindAllString(string(save), -1) {
		ip := net.ParseIP(s)
		if ip == nil || !a.cidr.Contains(ip) || ip.Equal(a.cidr.IP) || ip.Equal(gateway) {
			continue
		}
		out = append(out, ip.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}
