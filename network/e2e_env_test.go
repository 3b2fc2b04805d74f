package network

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
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

	"github.com/minikubelet/minikubelet/test/hosttest"
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
	m      *Manager
	cfg    Config
	subnet *net.IPNet
	leases string        // host-local's lease dir for the network
	net    *hosttest.Net // the nat chains that existed before the test
	ids    []string      // sandbox IDs the test made
}

func newE2EEnv(t *testing.T) *e2eEnv {
	t.Helper()
	cfg := testConfig(t)
	cfg.BinDirs = e2ePluginDirs()
	cfg.BridgeName = "mkltest" + hosttest.RandHex(t, 2)
	subnet := hosttest.FreeSubnet(t)
	cfg.PodCIDR = subnet.String()
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := &e2eEnv{
		cfg:    cfg,
		subnet: subnet,
		leases: filepath.Join(cfg.IPAMDataDir, DefaultNetworkName),
		net:    hosttest.Snapshot(t),
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
	e.net.Cleanup(t, e.cfg.BridgeName, e.ids)
}

// sandbox is one test pod: its netns pinned under /run/netns and its
// attachment. Cleanup tears the network down and deletes the netns.
type sandbox struct {
	name string
	a    Attachment
}

func (e *e2eEnv) newSandbox(t *testing.T, hostPort int32) *sandbox {
	t.Helper()
	id := "mkltest" + hosttest.RandHex(t, 16)
	e.ids = append(e.ids, id)
	s := &sandbox{
		name: id,
		a: Attachment{
			SandboxID: id, NetnsPath: filepath.Join("/run/netns", id),
			PodName: "web", PodNamespace: "e2e", PodUID: hosttest.RandHex(t, 8),
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

// testWriter sends the Manager's log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
