package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/runtime/containerd"
	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// The agent killed with SIGKILL and started again adopts every pod as it is: nothing restarts, and
// a back-off in progress is not cut short (it is restored from the pod's checkpoint).
func TestAgentKilledAdoptsPods(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=30s"))
	a.writeManifest("web-pod.yaml", webPod(hosttest.FreePort(t), hosttest.FreePort(t)))
	a.writeManifest("crash.yaml", `apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox:1.35, command: ["sh", "-c", "exit 1"]}
`)
	web := a.waitRunning("space02", "web-pod")
	a.waitPod("default", "crash", "waits out its back-off", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
	})

	a.kill()
	a.start()

	after := a.waitRunning("space02", "web-pod")
	for i, cs := range after.Status.ContainerStatuses {
		was := web.Status.ContainerStatuses[i]
		if cs.ContainerID != was.ContainerID || cs.RestartCount != 0 || !cs.State.Running.StartedAt.Equal(&was.State.Running.StartedAt) {
			t.Errorf("container %s changed across the agent's SIGKILL: %+v -> %+v", cs.Name, was, cs)
		}
	}
	crash := a.waitPod("default", "crash", "is listed", func(*v1.Pod) bool { return true })
	cs := crash.Status.ContainerStatuses[0]
	if cs.RestartCount != 1 || cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" ||
		!strings.HasPrefix(cs.State.Waiting.Message, "back-off 30s ") {
		t.Errorf("the back-off did not survive the restart: %s", describe(crash))
	}
}

// A manifest removed while the agent was down: the next start stops and removes its pod.
func TestManifestRemovedWhileAgentDown(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("gone.yaml", sleeperPod("gone"))
	pod := a.waitRunning("default", "gone")
	a.stop()
	a.removeManifest("gone.yaml")
	a.start()
	a.eventually("the pod is removed", func() (bool, string) {
		out := strings.TrimSpace(a.ctr("containers", "ls", "-q"))
		return out == "", out
	})
	if p := a.pod("default", "gone"); p != nil {
		t.Errorf("the pod is still listed: %s", describe(p))
	}
	a.assertNothingLeft(pod.Status.PodIP)
}

// An edit that only touches a container restarts just that container, in the same sandbox: the pod
// keeps its UID, IP, emptyDir and other containers. Any other edit recreates the pod.
func TestInPlaceUpdate(t *testing.T) {
	a := startAgent(t)
	manifest := func(greeting, port string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: edited}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: keeps, image: busybox:1.35, command: ["sh", "-c", "echo kept > /w/kept; exec sleep 3600"], volumeMounts: [{name: w, mountPath: /w}]}
  - name: changes
    image: busybox:1.35
    command: ["sh", "-c", "echo %s > /w/greeting; exec sleep 3600"]
    volumeMounts: [{name: w, mountPath: /w}]%s
  volumes: [{name: w, emptyDir: {}}]
`, greeting, port)
	}
	a.writeManifest("edited.yaml", manifest("hello", ""))
	before := a.waitRunning("default", "edited")
	greeting := filepath.Join(a.root, "pods", string(before.UID), "volumes", "empty-dir", "w", "greeting")
	a.eventually("the first greeting", func() (bool, string) {
		data, _ := os.ReadFile(greeting)
		return string(data) == "hello\n", string(data)
	})

	a.writeManifest("edited.yaml", manifest("bonjour", ""))
	after := a.waitPod("default", "edited", "restarts the changed container", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[1]
		return cs.RestartCount == 1 && cs.State.Running != nil && condition(p, v1.PodReady)
	})
	if after.UID != before.UID || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("the pod was recreated: UID %s -> %s, IP %s -> %s", before.UID, after.UID, before.Status.PodIP, after.Status.PodIP)
	}
	if after.Status.ContainerStatuses[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID {
		t.Error("the unchanged container restarted")
	}
	a.eventually("the new greeting in the same emptyDir", func() (bool, string) {
		data, _ := os.ReadFile(greeting)
		return string(data) == "bonjour\n", string(data)
	})
	if e := findEvent(a.events("default", "edited"), "SpecUpdated"); e == nil || !strings.Contains(e.Message, "changes") {
		t.Errorf("SpecUpdated event: %+v", e)
	}

	// A new port is not a container-only change: a new pod.
	a.writeManifest("edited.yaml", manifest("bonjour", "\n    ports: [{containerPort: 80}]"))
	a.waitPod("default", "edited", "is recreated", func(p *v1.Pod) bool {
		return p.UID != before.UID && p.Status.Phase == v1.PodRunning
	})
}

// With --stop-pods-on-exit, SIGTERM stops and removes every pod before the agent exits.
func TestStopPodsOnExit(t *testing.T) {
	a := startAgent(t, withFlags("--stop-pods-on-exit"))
	a.writeManifest("one.yaml", sleeperPod("one"))
	a.writeManifest("two.yaml", sleeperPod("two"))
	one, two := a.waitRunning("default", "one"), a.waitRunning("default", "two")
	a.stop()
	a.assertNothingLeft(one.Status.PodIP, two.Status.PodIP)
}

// containerd restarted under running pods: the pods keep running (their shims outlive it) and the
// agent reconnects, still seeing exits and restarting containers. The test runs a containerd of
// its own so as not to disturb anything else on the host.
func TestContainerdRestart(t *testing.T) {
	requireE2E(t)
	d := startContainerd(t, t.TempDir())
	a := startAgent(t, withFlags("--containerd-address", d.address))
	a.writeManifest("steady.yaml", sleeperPod("steady"))
	before := a.waitRunning("default", "steady")

	// While containerd is down, /healthz says so (and systemd's watchdog pings stop).
	d.stop(t)
	a.waitHealthz(500, "containerd")
	d.start(t)
	a.waitHealthz(200, "")
	after := a.waitRunning("default", "steady")
	if after.Status.ContainerStatuses[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID || after.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("the container changed over a containerd restart: %s", describe(after))
	}
	a.killContainerAt(d.address, after.Status.ContainerStatuses[0].ContainerID)
	a.waitPod("default", "steady", "is restarted after containerd came back", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
}

// privateContainerd is a containerd of the test's own, with its root, state and socket in dir.
type privateContainerd struct {
	dir, address, config string
	cmd                  *exec.Cmd
}

func startContainerd(t *testing.T, dir string) *privateContainerd {
	t.Helper()
	d := &privateContainerd{dir: dir, address: filepath.Join(dir, "containerd.sock"), config: filepath.Join(dir, "config.toml")}
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), d.address)
	if err := os.WriteFile(d.config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// Registered before the agent's clean-up, so it runs after it: containerd goes last.
	t.Cleanup(func() {
		d.stop(t)
		mounts, _ := os.ReadFile("/proc/self/mountinfo")
		for _, line := range strings.Split(string(mounts), "\n") {
			if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir) {
				t.Errorf("mount left under the test's containerd: %s", f[4])
				_ = syscall.Unmount(f[4], syscall.MNT_DETACH)
			}
		}
	})
	d.start(t)
	return d
}

func (d *privateContainerd) start(t *testing.T) {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(d.dir, "containerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	d.cmd = exec.Command("containerd", "--config", d.config)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(testenv.Scaled(30 * time.Second))
	for !containerd.Answers(d.address) {
		if time.Now().After(deadline) {
			t.Fatal("the test's containerd did not come up")
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}

func (d *privateContainerd) stop(t *testing.T) {
	t.Helper()
	d.signal(t, syscall.SIGTERM)
}

// signal ends the test's containerd with sig and waits for it to exit.
func (d *privateContainerd) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(sig)
	_ = d.cmd.Wait()
	d.cmd = nil
}
