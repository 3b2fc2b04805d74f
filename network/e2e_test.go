package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

func TestE2ESetupTeardown(t *testing.T) {
	requireE2E(t)
	env := newE2EEnv(t)
	hostPort := int32(hosttest.FreePort(t))
	s := env.newSandbox(t, hostPort)
	ctx := context.Background()

	res, err := env.m.Setup(ctx, s.a)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if len(res.IPs) != 1 || !env.subnet.Contains(res.IPs[0]) {
		t.Fatalf("pod IPs = %v, want one in %s", res.IPs, env.subnet)
	}
	podIP := res.IPs[0]
	lease := filepath.Join(env.leases, podIP.String())
	if !fileExists(lease) {
		t.Errorf("no IPAM lease file %s", lease)
	}
	if err := s.inNetns(func() error { return linksUp("lo", "eth0") }); err != nil {
		t.Errorf("inside the netns: %v", err)
	}
	veths := bridgePorts(t, env.cfg.BridgeName)
	if len(veths) != 1 {
		t.Fatalf("bridge %s ports = %v, want the pod's veth", env.cfg.BridgeName, veths)
	}
	chains := sandboxChains(t, s.a.SandboxID)
	if len(chains) == 0 {
		t.Errorf("no iptables chains for sandbox %s (masquerade, hostPort)", s.a.SandboxID)
	}

	serveHello(t, s, "0.0.0.0:8080")
	for _, addr := range []string{
		net.JoinHostPort(podIP.String(), "8080"),
		net.JoinHostPort("127.0.0.1", strconv.Itoa(int(hostPort))),
	} {
		if err := dialHello(addr); err != nil {
			t.Errorf("from the host: %v", err)
		}
	}

	if err := env.m.Teardown(ctx, s.a); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if _, err := os.Stat(filepath.Join("/sys/class/net", veths[0])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("veth %s still there after Teardown (stat err %v)", veths[0], err)
	}
	assertNoLeaks(t, env, s.a.SandboxID, chains, lease)
	if err := env.m.Teardown(ctx, s.a); err != nil {
		t.Errorf("second Teardown: %v", err)
	}
}

func TestE2ETeardownAfterNetnsDeleted(t *testing.T) {
	requireE2E(t)
	env := newE2EEnv(t)
	s := env.newSandbox(t, int32(hosttest.FreePort(t)))
	ctx := context.Background()

	res, err := env.m.Setup(ctx, s.a)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	lease := filepath.Join(env.leases, res.IPs[0].String())
	chains := sandboxChains(t, s.a.SandboxID)
	s.deleteNetns(t)

	if err := env.m.Teardown(ctx, s.a); err != nil {
		t.Fatalf("Teardown with the netns gone: %v", err)
	}
	assertNoLeaks(t, env, s.a.SandboxID, chains, lease)
	// The kernel removes the veth with the namespace, in its own time.
	if !pollFor(ctx, func() bool { return len(bridgePorts(t, env.cfg.BridgeName)) == 0 }) {
		t.Errorf("bridge %s still has ports %v", env.cfg.BridgeName, bridgePorts(t, env.cfg.BridgeName))
	}
}

// assertNoLeaks checks that nothing of the sandbox is left in iptables or
// in host-local's store.
func assertNoLeaks(t *testing.T, env *e2eEnv, sandboxID string, chains []string, lease string) {
	t.Helper()
	for _, tool := range []string{"iptables-save", "ip6tables-save"} {
		for _, rule := range hosttest.NATRules(t, tool) {
			if strings.Contains(rule, sandboxID) {
				t.Errorf("%s still has a rule of the sandbox: %s", tool, rule)
			}
			for _, c := range chains {
				if strings.Contains(rule, c+" ") || strings.HasSuffix(rule, c) {
					t.Errorf("%s still mentions chain %s: %s", tool, c, rule)
				}
			}
		}
	}
	if fileExists(lease) {
		t.Errorf("IPAM lease %s not freed", lease)
	}
}

// sandboxChains returns the per-sandbox chains the plugins made: the targets
// of the rules whose comment names the sandbox.
func sandboxChains(t *testing.T, sandboxID string) []string {
	t.Helper()
	var chains []string
	for _, rule := range hosttest.NATRules(t, "iptables-save") {
		if !strings.Contains(rule, sandboxID) {
			continue
		}
		if _, target, ok := strings.Cut(rule, " -j "); ok && strings.HasPrefix(target, "CNI-") && !strings.HasPrefix(target, "CNI-HOSTPORT-") {
			target, _, _ = strings.Cut(target, " ")
			chains = append(chains, target)
		}
	}
	return chains
}

func bridgePorts(t *testing.T, bridge string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif"))
	if err != nil {
		t.Fatalf("bridge %s: %v", bridge, err)
	}
	var ports []string
	for _, e := range entries {
		ports = append(ports, e.Name())
	}
	return ports
}

// linksUp checks, in the current netns, that the named links are up.
func linksUp(names ...string) error {
	var errs []error
	for _, name := range names {
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ifc.Flags&net.FlagUp == 0 {
			errs = append(errs, fmt.Errorf("%s is down (flags %v)", name, ifc.Flags))
		}
	}
	return errors.Join(errs...)
}

// serveHello listens on addr inside the sandbox's netns (a socket keeps the
// namespace it was made in) and answers each connection with "hello".
func serveHello(t *testing.T, s *sandbox, addr string) {
	t.Helper()
	var ln net.Listener
	if err := s.inNetns(func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		t.Fatalf("listen in the netns: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // listener closed
			}
			_, _ = io.WriteString(c, "hello\n")
			_ = c.Close()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
}

func dialHello(addr string) error {
	c, err := net.DialTimeout("tcp", addr, testenv.Scaled(10*time.Second))
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(testenv.Scaled(10 * time.Second))); err != nil {
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil {
		return fmt.Errorf("read from %s: %w", addr, err)
	}
	if string(got) != "hello\n" {
		return fmt.Errorf("%s answered %q, want hello", addr, got)
	}
	return nil
}
