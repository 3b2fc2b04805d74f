// Package hosttest holds what end-to-end tests need to use the host's network safely: a pod subnet
// no host address is in, and a clean-up that removes the bridge and exactly the iptables chains a
// test left behind.
package hosttest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"os/exec"
	"slices"
	"strings"
)

// Reporter is the part of testing.TB these helpers use, so that a program (the benchmark) can
// use them too.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// FreeSubnet picks a 10.67.X.0/24 no host address is in.
func FreeSubnet(t Reporter) *net.IPNet {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatalf("%v", err)
	}
	for range 50 {
		n, err := rand.Int(rand.Reader, big.NewInt(254))
		if err != nil {
			t.Fatalf("%v", err)
		}
		_, subnet, _ := net.ParseCIDR(fmt.Sprintf("10.67.%d.0/24", n.Int64()+1))
		used := slices.ContainsFunc(addrs, func(a net.Addr) bool {
			ipn, ok := a.(*net.IPNet)
			return ok && (ipn.Contains(subnet.IP) || subnet.Contains(ipn.IP))
		})
		if !used {
			return subnet
		}
	}
	t.Fatalf("no free /24 in 10.67.0.0/16")
	return nil
}

// FreePort returns a TCP port nothing on the host listens on now.
func FreePort(t Reporter) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RandHex returns n random bytes in hex.
func RandHex(t Reporter, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("%v", err)
	}
	return hex.EncodeToString(b)
}

// NATRules returns the rule and chain lines of the nat table (the only one bridge and portmap
// touch) from tool (iptables-save or ip6tables-save).
func NATRules(t Reporter, tool string) []string {
	t.Helper()
	out, err := exec.Command(tool, "-t", "nat").Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "-A ") || strings.HasPrefix(l, ":") {
			lines = append(lines, l)
		}
	}
	return lines
}

// Chains returns the chains declared in iptables-save lines.
func Chains(lines []string) map[string]bool {
	chains := map[string]bool{}
	for _, l := range lines {
		if name, ok := strings.CutPrefix(l, ":"); ok {
			name, _, _ = strings.Cut(name, " ")
			chains[name] = true
		}
	}
	return chains
}

// RemoveChains deletes the rules that jump to the chains, then the chains.
func RemoveChains(t Reporter, rules, chains []string) {
	t.Helper()
	for _, r := range rules {
		if !strings.HasPrefix(r, "-A ") {
			continue
		}
		for _, c := range chains {
			if strings.HasSuffix(r, " -j "+c) || strings.Contains(r, " -j "+c+" ") {
				Run(t, "sh", "-c", "iptables -t nat -D "+strings.TrimPrefix(r, "-A "))
			}
		}
	}
	for _, c := range chains {
		Run(t, "iptables", "-t", "nat", "-F", c)
	}
	for _, c := range chains {
		Run(t, "iptables", "-t", "nat", "-X", c)
	}
}

// Run runs a command and reports its failure as a test error.
func Run(t Reporter, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// Net remembers the host's nat chains before a test so that Cleanup removes only what the test
// made.
type Net struct {
	natSeen map[string]bool
}

// Snapshot records the nat chains that exist now.
func Snapshot(t Reporter) *Net {
	t.Helper()
	return &Net{natSeen: Chains(NATRules(t, "iptables-save"))}
}

// Cleanup removes the bridge (CNI never does), the chains left by the test's sandboxes (found by
// their IDs in rule comments), and portmap's shared CNI-HOSTPORT-* chains if the test created
// them and nobody has a mapping in them any more.
func (n *Net) Cleanup(t Reporter, bridge string, sandboxIDs []string) {
	t.Helper()
	if _, err := net.InterfaceByName(bridge); err == nil {
		Run(t, "ip", "link", "del", bridge)
	}
	rules := NATRules(t, "iptables-save")
	var leftovers []string
	for _, id := range sandboxIDs {
		for _, r := range rules {
			if !strings.Contains(r, id) {
				continue
			}
			chain, _, _ := strings.Cut(strings.TrimPrefix(r, "-A "), " ")
			_, target, _ := strings.Cut(r, " -j ")
			for _, c := range []string{chain, target} {
				if strings.HasPrefix(c, "CNI-") && !strings.HasPrefix(c, "CNI-HOSTPORT-") && !slices.Contains(leftovers, c) {
					leftovers = append(leftovers, c)
				}
			}
		}
	}
	if len(leftovers) > 0 {
		t.Logf("removing leftover chains %v", leftovers)
		RemoveChains(t, rules, leftovers)
		rules = NATRules(t, "iptables-save")
	}
	var mine []string
	for chain := range Chains(rules) {
		if strings.HasPrefix(chain, "CNI-HOSTPORT-") && !n.natSeen[chain] {
			mine = append(mine, chain)
		}
	}
	if len(mine) == 0 || slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(r, "-A CNI-HOSTPORT-DNAT ") }) {
		return
	}
	RemoveChains(t, rules, mine)
}
