package network

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The real-plugin tests need root, the CNI plugins and iptables. They skip
// unless MINIKUBELET_E2E=1 and fail when it is set and something is missing.

func e2ePluginDirs() []string { return []string{"/opt/cni/bin", "/usr/lib/cni"} }

func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("MINIKUBELET_E2E") != "1" {
		t.Skip("set MINIKUBELET_E2E=1 to run (needs root, CNI plugins, iptables)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("MINIKUBELET_E2E=1 but not running as root")
	}
	for _, tool := range []string{"ip", "iptables", "iptables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("MINIKUBELET_E2E=1 but %s is missing: %v", tool, err)
		}
	}
	for _, plugin := range []string{"loopback", "bridge", "host-local", "portmap"} {
		found := slices.ContainsFunc(e2ePluginDirs(), func(dir string) bool { return fileExists(filepath.Join(dir, plugin)) })
		if !found {
			t.Fatalf("MINIKUBELET_E2E=1 but CNI plugin %s is in none of %v", plugin, e2ePluginDirs())
		}
	}
}

// e2eEnv is a Manager on the default conflist with its own bridge, a free
// /24 from 10.67.0.0/16 and temp dirs. Cleanup removes the bridge and the
// iptables chains the test created.
type e2eEnv struct {
	m       *Manager
	cfg     Config
	subnet  *net.IPNet
	leases  string          // host-local's lease dir for the network
	natSeen map[string]bool // nat chains that existed before the test
	ids     []string        // sandbox IDs the test made
}

func newE2EEnv(t *testing.T) *e2eEnv {
	t.Helper()
	cfg := testConfig(t)
	cfg.BinDirs = e2ePluginDirs()
	cfg.BridgeName = "mkltest" + randHex(t, 2)
	subnet := freeSubnet(t)
	cfg.PodCIDR = subnet.String()
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := &e2eEnv{
		cfg:     cfg,
		subnet:  subnet,
		leases:  filepath.Join(cfg.IPAMDataDir, DefaultNetworkName),
		natSeen: chainSet(t, iptablesSave(t, "iptables-save")),
	}
	t.Cleanup(func() { env.cleanup(t) })
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	env.m = m
	if err := m.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return env
}

func (e *e2eEnv) cleanup(t *testing.T) {
	// The bridge plugin leaves the bridge; DEL never removes it.
	if _, err := net.InterfaceByName(e.cfg.BridgeName); err == nil {
		run(t, "ip", "link", "del", e.cfg.BridgeName)
	}
	// Whatever a failed Teardown left of the test's sandboxes: the chains
	// their rules live in or jump to.
	rules := iptablesSave(t, "iptables-save")
	var leftovers []string
	for _, id := range e.ids {
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
		removeChains(t, rules, leftovers)
		rules = iptablesSave(t, "iptables-save")
	}

	// portmap creates the shared CNI-HOSTPORT-* chains and never deletes
	// them. Remove them only if this test created them and nobody else has a
	// mapping in them now.
	var mine []string
	for chain := range chainSet(t, rules) {
		if strings.HasPrefix(chain, "CNI-HOSTPORT-") && !e.natSeen[chain] {
			mine = append(mine, chain)
		}
	}
	if len(mine) == 0 || slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(r, "-A CNI-HOSTPORT-DNAT ") }) {
		return
	}
	removeChains(t, rules, mine)
}

// sandbox is one test pod: its netns pinned under /run/netns and its
// attachment. Cleanup tears the network down and deletes the netns.
type sandbox struct {
	name string
	a    Attachment
}

func (e *e2eEnv) newSandbox(t *testing.T, hostPort int32) *sandbox {
	t.Helper()
	id := "mkltest" + randHex(t, 16)
	e.ids = append(e.ids, id)
	s := &sandbox{
		name: id,
		a: Attachment{
			SandboxID: id, NetnsPath: filepath.Join("/run/netns", id),
			PodName: "web", PodNamespace: "e2e", PodUID: randHex(t, 8),
			PortMappings: []PortMapping{{HostPort: hostPort, ContainerPort: 8080, Protocol: "tcp"}},
		},
	}
	if err := onLockedThread(func() error {
		h, err := netns.NewNamed(id)
		if err != nil {
			return err
		}
		return h.Close()
	}); err != nil {
		t.Fatalf("create netns %s: %v", id, err)
	}
	t.Cleanup(func() {
		if err := e.m.Teardown(context.Background(), s.a); err != nil {
			t.Errorf("cleanup teardown: %v", err)
		}
		s.deleteNetns(t)
	})
	return s
}

func (s *sandbox) deleteNetns(t *testing.T) {
	if err := netns.DeleteNamed(s.name); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.EINVAL) {
		t.Errorf("delete netns %s: %v", s.name, err)
	}
}

// inNetns runs fn on a thread switched into the sandbox's netns. The thread
// is never unlocked, so Go discards it afterwards and no other goroutine runs
// in that namespace.
func (s *sandbox) inNetns(fn func() error) error {
	return onLockedThread(func() error {
		h, err := netns.GetFromPath(s.a.NetnsPath)
		if err != nil {
			return err
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			return fmt.Errorf("enter netns: %w", err)
		}
		return fn()
	})
}

func onLockedThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		errc <- fn()
	}()
	return <-errc
}

// freeSubnet picks a 10.67.X.0/24 no host address is in.
func freeSubnet(t *testing.T) *net.IPNet {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		n, err := rand.Int(rand.Reader, big.NewInt(254))
		if err != nil {
			t.Fatal(err)
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
	t.Fatal("no free /24 in 10.67.0.0/16")
	return nil
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// iptablesSave returns the rule and chain lines of the nat table (the only
// one bridge and portmap touch) from tool (iptables-save or ip6tables-save).
func iptablesSave(t *testing.T, tool string) []string {
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

// chainSet returns the chains declared in iptables-save lines.
func chainSet(t *testing.T, lines []string) map[string]bool {
	t.Helper()
	chains := map[string]bool{}
	for _, l := range lines {
		if name, ok := strings.CutPrefix(l, ":"); ok {
			name, _, _ = strings.Cut(name, " ")
			chains[name] = true
		}
	}
	return chains
}

// removeChains deletes the rules that jump to the chains, then the chains.
func removeChains(t *testing.T, rules, chains []string) {
	t.Helper()
	for _, r := range rules {
		if !strings.HasPrefix(r, "-A ") {
			continue
		}
		for _, c := range chains {
			if strings.HasSuffix(r, " -j "+c) || strings.Contains(r, " -j "+c+" ") {
				run(t, "sh", "-c", "iptables -t nat -D "+strings.TrimPrefix(r, "-A "))
			}
		}
	}
	for _, c := range chains {
		run(t, "iptables", "-t", "nat", "-F", c)
	}
	for _, c := range chains {
		run(t, "iptables", "-t", "nat", "-X", c)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// testWriter sends the Manager's log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
