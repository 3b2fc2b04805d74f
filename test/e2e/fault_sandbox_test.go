package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// The pause process SIGKILLed from outside, again and again across pods (CRI-O's restore tests):
// each time the agent makes a new sandbox (new netns and IP), restarts the pod's containers once,
// and releases the old sandbox's IP and netns.
func TestFaultPauseKilled(t *testing.T) {
	kills, podCount := testenv.Count(4, 50), testenv.Count(2, 10)
	a := startAgent(t)
	names := make([]string, podCount)
	for i := range names {
		names[i] = fmt.Sprintf("paused-%02d", i)
		a.writeManifest(names[i]+".yaml", sleeperPod(names[i]))
	}
	for _, name := range names {
		a.waitRunning("default", name)
	}
	restarts := map[string]int32{}
	var ips []string
	for i := range kills {
		name := names[i%podCount]
		before := a.waitRunning("default", name)
		oldSandbox := a.sandboxID(before)
		a.killPID(a.taskPID(oldSandbox))
		restarts[name]++
		after := a.waitPod("default", name, "is Running and Ready in a new sandbox", func(p *v1.Pod) bool {
			cs := p.Status.ContainerStatuses[0]
			return p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady) && cs.RestartCount == restarts[name] && cs.State.Running != nil
		})
		ips = append(ips, before.Status.PodIP, after.Status.PodIP)
		newSandbox := a.sandboxID(after)
		if newSandbox == oldSandbox {
			t.Fatalf("kill %d: pod %s kept sandbox %s after its pause died", i+1, name, oldSandbox)
		}
		a.eventually("the old sandbox's netns and IP are released", func() (bool, string) {
			return a.sandboxReleased(oldSandbox, before.Status.PodIP, after.Status.PodIP)
		})
	}
	for _, name := range names {
		p := a.waitRunning("default", name)
		if got, want := p.Status.ContainerStatuses[0].RestartCount, restarts[name]; got != want {
			t.Errorf("pod %s: restartCount %d after %d pause kills, want one restart per kill", name, got, want)
		}
	}
	t.Logf("%d pause SIGKILLs across %d pods: each pod got a new sandbox and one container restart per kill, old netns and IPs released", kills, podCount)
	for _, name := range names {
		a.removeManifest(name + ".yaml")
	}
	for _, name := range names {
		a.waitGone("default", name)
	}
	a.assertNothingLeft(ips...)
}

// A pod's shim SIGKILLed (containerd's TestShutdownShimWhenPauseExitsBeforeWorkload, CRI-O's restore
// tests). The agent runs a pod's containers in one shim (the runc v2 group), so the pause dies with
// it: containerd reports the container exited 137, the agent restarts it under the pod's policy in a
// new sandbox (restartPolicy Always, and OnFailure since 137 is a failure) or lets the pod fail
// (Never), releases the old sandbox, and no shim is left over that serves no live task.
func TestFaultShimKilled(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("always.yaml", sleeperPod("always"))
	a.writeManifest("onfailure.yaml", strings.Replace(sleeperPod("onfailure"), "spec:\n", "spec:\n  restartPolicy: OnFailure\n", 1))
	a.writeManifest("never.yaml", strings.Replace(sleeperPod("never"), "spec:\n", "spec:\n  restartPolicy: Never\n", 1))
	restarted := func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Running != nil && condition(p, v1.PodReady)
	}
	lastRun := func(cs v1.ContainerStatus) *v1.ContainerStateTerminated { return cs.LastTerminationState.Terminated }
	var ips []string
	for _, tc := range []struct {
		name string
		want func(*v1.Pod) bool
		last func(v1.ContainerStatus) *v1.ContainerStateTerminated
	}{
		{name: "always", want: restarted, last: lastRun},
		{name: "onfailure", want: restarted, last: lastRun},
		{
			name: "never",
			want: func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed },
			last: func(cs v1.ContainerStatus) *v1.ContainerStateTerminated { return cs.State.Terminated },
		},
	} {
		pod := a.waitRunning("default", tc.name)
		ips = append(ips, pod.Status.PodIP)
		sandbox := a.sandboxID(pod)
		a.killPID(a.shimPID(sandbox))
		after := a.waitPod("default", tc.name, "sees the container exit and applies its restart policy", tc.want)
		if last := tc.last(after.Status.ContainerStatuses[0]); last == nil || last.ExitCode != 137 {
			t.Errorf("pod %s: the killed shim's container ended %+v, want exit code 137", tc.name, last)
		}
		if n := after.Status.ContainerStatuses[0].RestartCount; tc.name == "never" && n != 0 {
			t.Errorf("pod never: restarted %d times under restartPolicy Never", n)
		}
		a.eventually("the old sandbox is released", func() (bool, string) {
			return a.sandboxReleased(sandbox, pod.Status.PodIP, after.Status.PodIP)
		})
	}
	a.eventually("no shim without a live task", func() (bool, string) {
		stray := a.strayShims()
		return len(stray) == 0, fmt.Sprintf("shims serving no running task: %v", stray)
	})
	for _, name := range []string{"always", "onfailure"} {
		ips = append(ips, a.waitRunning("default", name).Status.PodIP)
	}
	for _, name := range []string{"always", "onfailure", "never"} {
		a.removeManifest(name + ".yaml")
		a.waitGone("default", name)
	}
	a.assertNothingLeft(ips...)
}

// A pod's network namespace unmounted and removed behind the agent's back (CRI-O's network.bats):
// deleting the pod still runs CNI DEL, which frees its IP and its hostPort rules, and a new pod of
// the same name becomes Ready.
func TestFaultNetnsDeleted(t *testing.T) {
	a := startAgent(t)
	port := hosttest.FreePort(t)
	manifest := fmt.Sprintf(sleeper, "netless", fmt.Sprintf(", ports: [{containerPort: 80, hostPort: %d}]", port))
	a.writeManifest("netless.yaml", manifest)
	pod := a.waitRunning("default", "netless")
	ip := pod.Status.PodIP
	if !a.iptablesMention(ip) {
		t.Fatalf("no iptables rule for the pod's hostPort before the test")
	}
	ns := filepath.Join("/run/netns", "mkl-"+a.sandboxID(pod))
	if err := syscall.Unmount(ns, syscall.MNT_DETACH); err != nil {
		t.Fatalf("unmount %s: %v", ns, err)
	}
	if err := os.Remove(ns); err != nil {
		t.Fatalf("remove %s: %v", ns, err)
	}

	a.removeManifest("netless.yaml")
	a.waitGone("default", "netless")
	if _, err := os.Stat(a.ipamLease(ip)); !os.IsNotExist(err) {
		t.Errorf("IPAM lease for %s left after the pod was deleted without its netns: %v", ip, err)
	}
	if a.iptablesMention(ip) {
		t.Errorf("iptables rules for %s left after the pod was deleted without its netns", ip)
	}

	a.writeManifest("netless.yaml", manifest)
	again := a.waitRunning("default", "netless")
	a.removeManifest("netless.yaml")
	a.waitGone("default", "netless")
	a.assertNothingLeft(ip, again.Status.PodIP)
}

// sandboxID is the ID of the pod's current sandbox container, read from containerd by its labels;
// the test fails unless the pod has exactly one.
func (a *agent) sandboxID(p *v1.Pod) string {
	a.t.Helper()
	return a.sandboxIDAt("", p)
}

// sandboxIDAt does the same through the containerd at address ("" for the host's).
func (a *agent) sandboxIDAt(address string, p *v1.Pod) string {
	a.t.Helper()
	var at []string
	if address != "" {
		at = []string{"--address", address}
	}
	tasks := a.ctr(append(at, "tasks", "ls")...)
	var running []string
	for _, id := range strings.Fields(a.ctr(append(at, "containers", "ls", "-q",
		`labels."io.minikubelet.kind"==sandbox,labels."io.minikubelet.pod.uid"==`+string(p.UID))...)) {
		if taskStatusIn(tasks, id) == "RUNNING" {
			running = append(running, id)
		}
	}
	if len(running) != 1 {
		a.t.Fatalf("pod %s has %d running sandboxes: %v", p.Name, len(running), running)
	}
	return running[0]
}

// taskStatus is the status column of `ctr tasks ls` for the container id, "" without a task.
func (a *agent) taskStatus(id string) string {
	return taskStatusIn(a.ctr("tasks", "ls"), id)
}

// taskStatusIn reads the status of the container id's task from the output of `ctr tasks ls`.
func taskStatusIn(tasks, id string) string {
	for _, line := range strings.Split(tasks, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

// taskPID is the host PID of the container id's task.
func (a *agent) taskPID(id string) int {
	a.t.Helper()
	for _, line := range strings.Split(a.ctr("tasks", "ls"), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == id {
			pid, err := strconv.Atoi(f[1])
			if err != nil {
				a.t.Fatalf("task %s: PID %q", id, f[1])
			}
			return pid
		}
	}
	a.t.Fatalf("no task for container %s", id)
	return 0
}

// strayShims lists the agent's shims (by the ID they were started for) that serve no running task.
func (a *agent) strayShims() []string {
	a.t.Helper()
	out, _ := exec.Command("pgrep", "-a", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output()
	var stray []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "-id" && a.taskStatus(f[i+1]) != "RUNNING" {
				stray = append(stray, f[i+1])
			}
		}
	}
	return stray
}

// shimPID is the PID of the shim started for the container id (a pod's sandbox) in the agent's
// namespace.
func (a *agent) shimPID(id string) int {
	a.t.Helper()
	out, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" -id "+id+" ").Output()
	pids := strings.Fields(string(out))
	if len(pids) != 1 {
		a.t.Fatalf("shims of container %s: %q", id, pids)
	}
	pid, err := strconv.Atoi(pids[0])
	if err != nil {
		a.t.Fatal(err)
	}
	return pid
}

func (a *agent) killPID(pid int) {
	a.t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		a.t.Fatalf("kill %d: %v", pid, err)
	}
}

// sandboxReleased says whether the dead sandbox's netns is gone and its IP lease freed (unless the
// new sandbox got the same IP back).
func (a *agent) sandboxReleased(sandbox, oldIP, newIP string) (bool, string) {
	if _, err := os.Lstat(filepath.Join("/run/netns", "mkl-"+sandbox)); err == nil {
		return false, "netns mkl-" + sandbox + " still there"
	}
	if oldIP != newIP {
		if _, err := os.Stat(a.ipamLease(oldIP)); err == nil {
			return false, "IPAM lease " + oldIP + " still there"
		}
		if a.iptablesMention(oldIP) {
			return false, "iptables rules for " + oldIP + " still there"
		}
	}
	if strings.TrimSpace(a.ctr("containers", "ls", "-q", "id=="+sandbox)) != "" {
		return false, "sandbox container " + sandbox + " still there"
	}
	return true, ""
}

func (a *agent) ipamLease(ip string) string {
	return filepath.Join(a.root, "cni", "ipam", "minikubelet", ip)
}

// iptablesMention reports whether any iptables rule names the IP.
func (a *agent) iptablesMention(ip string) bool {
	a.t.Helper()
	if net.ParseIP(ip) == nil {
		a.t.Fatalf("bad pod IP %q", ip)
	}
	save, err := exec.Command("iptables-save").Output()
	if err != nil {
		a.t.Fatal(err)
	}
	for _, line := range strings.Split(string(save), "\n") {
		if strings.Contains(line, ip+"/") || strings.Contains(line, ip+":") || strings.Contains(line, ip+" ") {
			return true
		}
	}
	return false
}
