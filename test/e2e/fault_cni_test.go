package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// cniFaults is a plugin directory whose bridge is test/cnifault in front of the real one, and the
// file that tells it which calls to break.
type cniFaults struct {
	t   *testing.T
	dir string
}

func newCNIFaults(t *testing.T) cniFaults {
	t.Helper()
	f := cniFaults{t: t, dir: t.TempDir()}
	if err := os.Symlink(built.cnifault, filepath.Join(f.dir, "bridge")); err != nil {
		t.Fatal(err)
	}
	return f
}

// set replaces the faults ("COMMAND MODE POD" lines); none lifts them all.
func (f cniFaults) set(lines ...string) {
	f.t.Helper()
	tmp := filepath.Join(f.dir, ".faults.tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(f.dir, "faults")); err != nil {
		f.t.Fatal(err)
	}
}

// calls counts the plugin's calls for the pod with the command and mode ("-" for none, "" any).
func (f cniFaults) calls(command, pod, mode string) int {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.dir, "calls"))
	if err != nil && !os.IsNotExist(err) {
		f.t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		c := strings.Fields(line)
		if len(c) == 3 && c[0] == command && c[1] == pod && (mode == "" || c[2] == mode) {
			n++
		}
	}
	return n
}

func cniFaultPod(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]}
`, name)
}

// A CNI plugin that fails ADD (before or after doing its work), answers garbage, hangs past the
// agent's CNI timeout, or fails DEL: each pod says why in an event and its status, retries, runs
// once the fault is lifted, and leaves nothing behind; a healthy pod beside them is not held up.
// (containerd's integration/failpoint and cni-bridge-fp.)
func TestFaultCNI(t *testing.T) {
	requireE2E(t)
	f := newCNIFaults(t)
	const timeout = 3 * time.Second
	addFaults := map[string]struct{ mode, message string }{
		"cni-fail":       {"fail", "injected ADD failure"},
		"cni-fail-after": {"fail-after", "injected ADD failure"},
		"cni-garbage":    {"garbage", "invalid character"},
		"cni-hang":       {"hang", fmt.Sprintf("CNI ADD timed out after %s", timeout)},
	}
	delFaults := map[string]string{"cni-del-fail": "fail", "cni-del-fail-after": "fail-after"}
	var lines, delLines []string
	for pod, fault := range addFaults {
		lines = append(lines, "ADD "+fault.mode+" "+pod)
	}
	for pod, mode := range delFaults {
		delLines = append(delLines, "DEL "+mode+" "+pod)
	}
	// One more pod whose ADD hangs is deleted while it hangs.
	f.set(slices.Concat(lines, delLines, []string{"ADD hang cni-hang-deleted"})...)
	a := startAgent(t, withFlags("--cni-bin-dir", f.dir+",/usr/lib/cni", "--cni-timeout", timeout.String()))

	healthy := []string{"cni-bystander", "cni-del-fail", "cni-del-fail-after"}
	all := slices.Concat(healthy, []string{"cni-fail", "cni-fail-after", "cni-garbage", "cni-hang"})
	start := time.Now()
	for _, name := range all {
		a.writeManifest(name+".yaml", cniFaultPod(name))
	}
	// The healthy pods run while the others fail and hang.
	for _, name := range healthy {
		a.waitRunning("default", name)
	}
	t.Logf("healthy pods Running %.1fs after the manifests, beside the failing ones", time.Since(start).Seconds())
	a.writeManifest("cni-hang-deleted.yaml", cniFaultPod("cni-hang-deleted"))
	a.eventually("cni-hang-deleted's ADD hangs", func() (bool, string) {
		n := f.calls("ADD", "cni-hang-deleted", "hang")
		return n > 0, fmt.Sprintf("%d hanging ADDs", n)
	})
	a.removeManifest("cni-hang-deleted.yaml")
	a.waitGone("default", "cni-hang-deleted")
	for pod, fault := range addFaults {
		var ev *v1.Event
		p := a.waitPod("default", pod, "reports its CNI fault and retries", func(p *v1.Pod) bool {
			ev = findEventContaining(a.events("default", pod), "FailedCreatePodSandBox", fault.message)
			return f.calls("ADD", pod, fault.mode) >= 2 && ev != nil
		})
		t.Logf("%s: %s", pod, ev.Message)
		if p.Status.Phase != v1.PodPending || !conditionFalseWith(p, v1.PodReadyToStartContainers, fault.message) {
			t.Errorf("%s: want Pending with condition %s false saying %q; got %s %+v", pod, v1.PodReadyToStartContainers, fault.message, describe(p), p.Status.Conditions)
		}
	}
	if p := a.pod("default", "cni-hang"); p == nil || p.Status.Phase != v1.PodPending {
		t.Errorf("cni-hang should still be Pending while its plugin hangs")
	}

	// Lifted, every pod runs; each holds exactly one lease, one netns, one veth, and only their IPs
	// are in iptables: the failed attempts left nothing.
	f.set(delLines...)
	lifted := time.Now()
	var ips []string
	for _, name := range all {
		ips = append(ips, a.waitRunning("default", name).Status.PodIP)
	}
	t.Logf("all %d pods Running %.1fs after the ADD faults were lifted", len(all), time.Since(lifted).Seconds())
	slices.Sort(ips)
	if leases := a.leasedIPs(); !slices.Equal(leases, ips) {
		t.Errorf("IPAM leases %v, want the pods' IPs %v", leases, ips)
	}
	if inRules := a.iptablesPodIPs(); len(slices.DeleteFunc(slices.Clone(inRules), func(ip string) bool { return slices.Contains(ips, ip) })) > 0 {
		t.Errorf("iptables names IPs %v, want only the pods' %v", inRules, ips)
	}
	if n := len(a.leftNetns()); n != len(all) {
		t.Errorf("%d network namespaces for %d pods", n, len(all))
	}
	if n := len(a.veths()); n != len(all) {
		t.Errorf("%d veths on the bridge for %d pods", n, len(all))
	}
	attempts := map[string]int{}
	for pod := range addFaults {
		attempts[pod] = f.calls("ADD", pod, "")
	}
	t.Logf("ADD calls per pod before it ran: %v; %d IPs handed out for %d pods", attempts, len(a.everLeased()), len(all))

	// A failing DEL keeps the pod terminating, says why, and retries until it succeeds.
	for pod := range delFaults {
		a.removeManifest(pod + ".yaml")
	}
	for pod, mode := range delFaults {
		var ev *v1.Event
		a.waitPod("default", pod, "reports its failing DEL and retries", func(p *v1.Pod) bool {
			ev = findEventContaining(a.events("default", pod), "FailedKillPod", "injected DEL failure")
			return f.calls("DEL", pod, mode) >= 2 && ev != nil
		})
		t.Logf("%s: %s", pod, ev.Message)
	}
	f.set()
	for pod := range delFaults {
		a.waitGone("default", pod)
	}
	for _, name := range all {
		if _, deleted := delFaults[name]; !deleted {
			a.removeManifest(name + ".yaml")
		}
	}
	for _, name := range all {
		a.waitGone("default", name)
	}
	t.Logf("DEL calls: cni-del-fail %d, cni-del-fail-after %d", f.calls("DEL", "cni-del-fail", ""), f.calls("DEL", "cni-del-fail-after", ""))
	a.assertNothingLeft(a.everLeased()...)
}

func findEventContaining(events []v1.Event, reason, text string) *v1.Event {
	for i := range events {
		if events[i].Reason == reason && strings.Contains(events[i].Message, text) {
			return &events[i]
		}
	}
	return nil
}

func conditionFalseWith(p *v1.Pod, t v1.PodConditionType, text string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == v1.ConditionFalse && strings.Contains(c.Message, text)
		}
	}
	return false
}
