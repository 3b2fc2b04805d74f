package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/cgroups"
)

// Pods get their cgroup under the parent of their QoS class, with kubelet's pod-level limits,
// their containers' cgroups inside it, and no cgroup left once they are deleted.
func TestPodCgroups(t *testing.T) {
	a := startAgent(t)
	pod := func(name, resources string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"], resources: %s}
`, name, resources)
	}
	a.writeManifest("g.yaml", pod("guaranteed", "{limits: {cpu: 500m, memory: 32Mi}}"))
	a.writeManifest("b.yaml", pod("burstable", "{requests: {cpu: 100m}}"))
	a.writeManifest("be.yaml", pod("besteffort", "{}"))
	v2 := cgroupHost(t).IsV2()
	tests := []struct {
		name, parent string
		qos          v1.PodQOSClass
		oomScoreAdj  string
		shares       uint64
		quota        int64
		memory       int64
	}{
		{name: "guaranteed", qos: v1.PodQOSGuaranteed, parent: "/kubepods", shares: 512, quota: 50000, memory: 32 << 20,
			oomScoreAdj: guaranteedOOMScoreAdj(t)},
		{name: "burstable", qos: v1.PodQOSBurstable, parent: "/kubepods/burstable", shares: 102, oomScoreAdj: "999"},
		{name: "besteffort", qos: v1.PodQOSBestEffort, parent: "/kubepods/besteffort", shares: 2, oomScoreAdj: "1000"},
	}
	var pods []*v1.Pod
	for _, tt := range tests {
		p := a.waitRunning("default", tt.name)
		pods = append(pods, p)
		if p.Status.QOSClass != tt.qos {
			t.Errorf("%s: qosClass %s, want %s", tt.name, p.Status.QOSClass, tt.qos)
		}
		cg := a.podCgroup(p)
		if want := a.cgroupRoot + tt.parent + "/pod" + string(p.UID); cg != want {
			t.Fatalf("%s: pod cgroup %s, want %s", tt.name, cg, want)
		}
		// pause and main live in the pod's cgroup, each in its own.
		entries, err := os.ReadDir(cgroupHost(t).ControllerDir("memory", cg))
		if err != nil {
			t.Fatalf("%s: pod cgroup missing: %v", tt.name, err)
		}
		var children []string
		for _, e := range entries {
			if e.IsDir() {
				children = append(children, e.Name())
			}
		}
		if len(children) != 2 {
			t.Errorf("%s: container cgroups in the pod's: %v, want pause and main", tt.name, children)
		}
		main := a.containerCgroup(p, "main")
		pid := strings.Fields(cgroupFile(t, "memory", main, "cgroup.procs"))
		if len(pid) != 1 {
			t.Fatalf("%s: processes in the container's cgroup: %v", tt.name, pid)
		}
		if adj, _ := os.ReadFile("/proc/" + pid[0] + "/oom_score_adj"); strings.TrimSpace(string(adj)) != tt.oomScoreAdj {
			t.Errorf("%s: oom_score_adj %q, want %s", tt.name, adj, tt.oomScoreAdj)
		}
		if v2 {
			checkFile(t, "cpu", cg, "cpu.weight", strconv.FormatUint(cgroups.SharesToWeight(tt.shares), 10))
			wantMax, wantMem := "max 100000", "max"
			if tt.quota > 0 {
				wantMax, wantMem = fmt.Sprintf("%d 100000", tt.quota), strconv.FormatInt(tt.memory, 10)
			}
			checkFile(t, "cpu", cg, "cpu.max", wantMax)
			checkFile(t, "memory", cg, "memory.max", wantMem)
			checkFile(t, "memory", main, "memory.max", wantMem)
			continue
		}
		checkFile(t, "cpu", cg, "cpu.shares", strconv.FormatUint(tt.shares, 10))
		if tt.quota > 0 {
			checkFile(t, "cpu", cg, "cpu.cfs_quota_us", strconv.FormatInt(tt.quota, 10))
			checkFile(t, "memory", cg, "memory.limit_in_bytes", strconv.FormatInt(tt.memory, 10))
			checkFile(t, "memory", main, "memory.limit_in_bytes", strconv.FormatInt(tt.memory, 10))
			checkFile(t, "cpu", main, "cpu.cfs_quota_us", strconv.FormatInt(tt.quota, 10))
		} else {
			checkFile(t, "cpu", cg, "cpu.cfs_quota_us", "-1")
		}
	}
	for _, name := range []string{"g.yaml", "b.yaml", "be.yaml"} {
		a.removeManifest(name)
	}
	for _, tt := range tests {
		a.waitGone("default", tt.name)
	}
	var ips []string
	for _, p := range pods {
		ips = append(ips, p.Status.PodIP)
	}
	a.assertNothingLeft(ips...)
}

// guaranteedOOMScoreAdj is kubelet's -997 where the host lets root lower a score
// (CAP_SYS_RESOURCE), else the 0 the agent falls back to.
func guaranteedOOMScoreAdj(t *testing.T) string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if hex, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, _ := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if caps&(1<<24) != 0 {
				return "-997"
			}
		}
	}
	return "0"
}

func checkFile(t *testing.T, controller, cgroup, file, want string) {
	t.Helper()
	if got := cgroupFile(t, controller, cgroup, file); got != want {
		t.Errorf("%s/%s = %q, want %q", cgroup, file, got, want)
	}
}

// A container that allocates past its memory limit is killed by the kernel's OOM killer: it shows
// OOMKilled with exit code 137 and restarts per its policy.
func TestOOMKilled(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	manifest := func(name, policy string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: %s
  terminationGracePeriodSeconds: 1
  containers:
  - {name: hog, image: busybox:1.35, command: ["tail", "/dev/zero"], resources: {limits: {memory: 16Mi}}}
`, name, policy)
	}
	a.writeManifest("restarts.yaml", manifest("oom-restarts", "OnFailure"))
	a.writeManifest("never.yaml", manifest("oom-never", "Never"))

	restarted := a.waitPod("default", "oom-restarts", "restarts after an OOM kill", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 1 && cs[0].LastTerminationState.Terminated != nil
	})
	if last := restarted.Status.ContainerStatuses[0].LastTerminationState.Terminated; last.Reason != "OOMKilled" || last.ExitCode != 137 {
		t.Errorf("lastState.terminated = %s/%d, want OOMKilled/137: %s", last.Reason, last.ExitCode, describe(restarted))
	}
	never := a.waitPod("default", "oom-never", "fails", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
	if term := never.Status.ContainerStatuses[0].State.Terminated; term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("oom-never: %s", describe(never))
	}
	a.removeManifest("restarts.yaml")
	a.removeManifest("never.yaml")
	a.waitGone("default", "oom-restarts")
	a.waitGone("default", "oom-never")
	a.assertNothingLeft(restarted.Status.PodIP, never.Status.PodIP)
}

// cpuSample is a cgroup's CPU counters: periods run, periods throttled, CPU time used (µs).
type cpuSample struct{ periods, throttled, usageUsec int64 }

func readCPU(t *testing.T, cgroup string) cpuSample {
	t.Helper()
	stat := cgroupFile(t, "cpu", cgroup, "cpu.stat")
	s := cpuSample{periods: statField(t, stat, "nr_periods"), throttled: statField(t, stat, "nr_throttled")}
	if cgroupHost(t).IsV2() {
		s.usageUsec = statField(t, stat, "usage_usec")
	} else {
		ns, err := strconv.ParseInt(cgroupFile(t, "cpuacct", cgroup, "cpuacct.usage"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		s.usageUsec = ns / 1000
	}
	return s
}

// A busy loop limited to 200m is throttled and uses no more than its quota, judged from the
// cgroup's own counters (CFS periods and CPU time), not from a clock.
func TestCPUQuota(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("spin.yaml", `apiVersion: v1
kind: Pod
metadata: {name: spin}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: spin, image: busybox:1.35, command: ["sh", "-c", "while :; do :; done"], resources: {limits: {cpu: 200m}}}
`)
	p := a.waitRunning("default", "spin")
	cg := a.containerCgroup(p, "spin")
	const quotaUsec, periods = 20000, 30
	before := readCPU(t, cg)
	var after cpuSample
	a.eventually(fmt.Sprintf("%d CFS periods pass", periods), func() (bool, string) {
		after = readCPU(t, cg)
		return after.periods-before.periods >= periods, fmt.Sprintf("%+v -> %+v", before, after)
	})
	ran := after.periods - before.periods
	used := after.usageUsec - before.usageUsec
	t.Logf("over %d CFS periods: %d throttled, %dµs of CPU (quota %dµs a period)", ran, after.throttled-before.throttled, used, quotaUsec)
	if after.throttled == before.throttled {
		t.Errorf("never throttled over %d periods: %+v -> %+v", ran, before, after)
	}
	// At most the quota in each period (one period of slack for the sample edges, 5%% for
	// accounting), and enough that the loop really was busy.
	if limit := quotaUsec * (ran + 1) * 105 / 100; used > limit {
		t.Errorf("used %dµs of CPU in %d periods, more than the quota allows (%dµs)", used, ran, limit)
	}
	if floor := quotaUsec * ran / 2; used < floor {
		t.Errorf("used only %dµs of CPU in %d periods: the loop was not busy (%dµs expected at least)", used, ran, floor)
	}
	if got := strings.Fields(cgroupFile(t, "cpu", a.podCgroup(p), map[bool]string{true: "cpu.max", false: "cpu.cfs_quota_us"}[cgroupHost(t).IsV2()])); got[0] != "20000" {
		t.Errorf("pod cgroup quota %v, want 20000", got)
	}
	a.removeManifest("spin.yaml")
	a.waitGone("default", "spin")
	a.assertNothingLeft(p.Status.PodIP)
}
