package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// Init containers run one at a time in order, each after the previous one exited 0: seen in their
// status timestamps as well as in what they wrote.
func TestInitOrder(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("init.yaml", `apiVersion: v1
kind: Pod
metadata: {name: init-order}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: one, image: busybox:1.35, command: ["sh", "-c", "sleep 1; echo one >> /w/order"], volumeMounts: [{name: w, mountPath: /w}]}
  - {name: two, image: busybox:1.35, command: ["sh", "-c", "sleep 1; echo two >> /w/order"], volumeMounts: [{name: w, mountPath: /w}]}
  containers:
  - {name: main, image: busybox:1.35, command: ["sh", "-c", "echo main >> /w/order; exec sleep 3600"], volumeMounts: [{name: w, mountPath: /w}]}
  volumes: [{name: w, emptyDir: {}}]
`)
	pod := a.waitRunning("default", "init-order")
	one, two := pod.Status.InitContainerStatuses[0].State.Terminated, pod.Status.InitContainerStatuses[1].State.Terminated
	main := pod.Status.ContainerStatuses[0].State.Running
	if one == nil || two == nil || main == nil {
		t.Fatalf("unexpected states: %s", describe(pod))
	}
	if two.StartedAt.Before(&one.FinishedAt) || main.StartedAt.Before(&two.FinishedAt) {
		t.Errorf("out of order: one finished %s, two started %s finished %s, main started %s",
			one.FinishedAt, two.StartedAt, two.FinishedAt, main.StartedAt)
	}
	data, err := os.ReadFile(filepath.Join(a.root, "pods", string(pod.UID), "volumes", "empty-dir", "w", "order"))
	if err != nil || string(data) != "one\ntwo\nmain\n" {
		t.Errorf("order file %q (%v)", data, err)
	}
}

func TestInitFailure(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	manifest := func(name, policy string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: %s
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: fails, image: busybox:1.35, command: ["sh", "-c", "exit 4"]}
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]}
`, name, policy)
	}
	a.writeManifest("never.yaml", manifest("never", "Never"))
	a.writeManifest("onfailure.yaml", manifest("onfailure", "OnFailure"))
	a.writeManifest("always.yaml", manifest("always", "Always"))

	never := a.waitPod("default", "never", "fails", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
	if term := never.Status.InitContainerStatuses[0].State.Terminated; term == nil || term.ExitCode != 4 {
		t.Errorf("never: %s", describe(never))
	}
	if never.Status.ContainerStatuses[0].ContainerID != "" {
		t.Error("never: the main container ran after a failed init container")
	}
	for _, name := range []string{"onfailure", "always"} {
		p := a.waitPod("default", name, "retries its init container", func(p *v1.Pod) bool {
			return p.Status.InitContainerStatuses[0].RestartCount >= 2
		})
		if p.Status.Phase != v1.PodPending || p.Status.ContainerStatuses[0].ContainerID != "" {
			t.Errorf("%s: %s", name, describe(p))
		}
	}
	out := a.cli("get", "pods", fmt.Sprintf("--server=http://127.0.0.1:%d", a.port))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`never\s+0/1\s+Init:Error\s`),
		regexp.MustCompile(`always\s+0/1\s+Init:(Error|CrashLoopBackOff)\s`),
	} {
		if !want.MatchString(out) {
			t.Errorf("get pods does not match %s:\n%s", want, out)
		}
	}
}

// A crash-looping container waits longer each time: the back-off named in its status doubles.
func TestCrashLoopBackoffGrows(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	a.writeManifest("crash.yaml", `apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: c, image: busybox:1.35, command: ["sh", "-c", "exit 1"]}
`)
	seen := map[string]bool{}
	backoff := regexp.MustCompile(`^back-off (\S+) restarting failed container=c pod=crash_default\(`)
	a.eventually("back-offs of 1s, 2s and 4s", func() (bool, string) {
		p := a.pod("default", "crash")
		if p == nil {
			return false, "no pod"
		}
		if w := p.Status.ContainerStatuses[0].State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
			if m := backoff.FindStringSubmatch(w.Message); m != nil {
				seen[m[1]] = true
			} else {
				t.Errorf("CrashLoopBackOff message %q", w.Message)
			}
		}
		return seen["1s"] && seen["2s"] && seen["4s"], fmt.Sprint(seen)
	})
	events := a.events("default", "crash")
	if e := findEvent(events, "BackOff"); e == nil || e.Count < 2 || e.Type != v1.EventTypeWarning {
		t.Errorf("BackOff event: %+v", e)
	}
}

func TestRestartPolicyOnExit(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	for _, tc := range []struct {
		policy      string
		code        int
		wantRestart bool
		wantPhase   v1.PodPhase
	}{
		{"OnFailure", 0, false, v1.PodSucceeded},
		{"OnFailure", 1, true, v1.PodRunning},
		{"Never", 0, false, v1.PodSucceeded},
		{"Never", 1, false, v1.PodFailed},
		{"Always", 0, true, v1.PodRunning},
	} {
		name := fmt.Sprintf("%s-%d", strings.ToLower(tc.policy), tc.code)
		a.writeManifest(name+".yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: %s
  containers:
  - {name: c, image: busybox:1.35, command: ["sh", "-c", "sleep 0.5; exit %d"]}
`, name, tc.policy, tc.code))
		if tc.wantRestart {
			p := a.waitPod("default", name, "restarts", func(p *v1.Pod) bool { return p.Status.ContainerStatuses[0].RestartCount >= 1 })
			if p.Status.Phase != tc.wantPhase {
				t.Errorf("%s: phase %s, want %s", name, p.Status.Phase, tc.wantPhase)
			}
			continue
		}
		p := a.waitPod("default", name, "finishes", func(p *v1.Pod) bool { return p.Status.Phase == tc.wantPhase })
		if n := p.Status.ContainerStatuses[0].RestartCount; n != 0 {
			t.Errorf("%s: restarted %d times", name, n)
		}
	}
}

func TestActiveDeadline(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("deadline.yaml", `apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 2
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox:1.35, command: ["sleep", "3600"]}
`)
	p := a.waitPod("default", "deadline", "fails on its deadline", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodFailed && p.Status.ContainerStatuses[0].State.Terminated != nil
	})
	if p.Status.Reason != "DeadlineExceeded" || !strings.Contains(p.Status.Message, "deadline") {
		t.Errorf("reason %q message %q", p.Status.Reason, p.Status.Message)
	}
	if findEvent(a.events("default", "deadline"), "DeadlineExceeded") == nil {
		t.Error("no DeadlineExceeded event")
	}
	// It stays failed across an agent restart.
	a.restart()
	p = a.waitPod("default", "deadline", "is listed", func(*v1.Pod) bool { return true })
	if p.Status.Phase != v1.PodFailed || p.Status.Reason != "DeadlineExceeded" {
		t.Errorf("after a restart: %s", describe(p))
	}
}

// Deleting a pod sends SIGTERM first: a container that traps it cleans up; one that ignores it
// is killed once the grace period is over. Main containers stop before sidecars.
func TestGracefulStop(t *testing.T) {
	a := startAgent(t)
	host := t.TempDir()
	a.writeManifest("graceful.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  terminationGracePeriodSeconds: 3
  initContainers:
  - name: sidecar
    image: busybox:1.35
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo sidecar >> /host/order; exit 0' TERM; while true; do sleep 0.1; done"]
    volumeMounts: [{name: host, mountPath: /host}]
  containers:
  - name: trapper
    image: busybox:1.35
    command: ["sh", "-c", "trap 'echo main >> /host/order; exit 0' TERM; while true; do sleep 0.1; done"]
    volumeMounts: [{name: host, mountPath: /host}]
  - name: stubborn
    image: busybox:1.35
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]
  volumes: [{name: host, hostPath: {path: %q}}]
`, host))
	pod := a.waitRunning("default", "graceful")
	a.removeManifest("graceful.yaml")
	a.waitGone("default", "graceful")
	data, err := os.ReadFile(filepath.Join(host, "order"))
	if err != nil || string(data) != "main\nsidecar\n" {
		t.Errorf("stop order %q (%v), want the main container's clean-up before the sidecar's", data, err)
	}
	a.assertNothingLeft(pod.Status.PodIP)
}

// A sidecar starts in its place among the init containers, counts as done once started, keeps
// running beside the main containers and is restarted when it dies.
func TestSidecar(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	a.writeManifest("sidecar.yaml", `apiVersion: v1
kind: Pod
metadata: {name: with-sidecar}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: first, image: busybox:1.35, command: ["sh", "-c", "echo first >> /w/order"], volumeMounts: [{name: w, mountPath: /w}]}
  - name: helper
    image: busybox:1.35
    restartPolicy: Always
    command: ["sh", "-c", "echo helper >> /w/order; exec sleep 3600"]
    volumeMounts: [{name: w, mountPath: /w}]
  - {name: last, image: busybox:1.35, command: ["sh", "-c", "echo last >> /w/order"], volumeMounts: [{name: w, mountPath: /w}]}
  containers:
  - {name: main, image: busybox:1.35, command: ["sh", "-c", "echo main >> /w/order; exec sleep 3600"], volumeMounts: [{name: w, mountPath: /w}]}
  volumes: [{name: w, emptyDir: {}}]
`)
	pod := a.waitRunning("default", "with-sidecar")
	if s := pod.Status.InitContainerStatuses[1]; s.State.Running == nil {
		t.Errorf("the sidecar does not run beside the main container: %s", describe(pod))
	}
	data, err := os.ReadFile(filepath.Join(a.root, "pods", string(pod.UID), "volumes", "empty-dir", "w", "order"))
	if err != nil || string(data) != "first\nhelper\nlast\nmain\n" {
		t.Errorf("start order %q (%v)", data, err)
	}
	a.killContainer(pod.Status.InitContainerStatuses[1].ContainerID)
	a.waitPod("default", "with-sidecar", "restarts its sidecar", func(p *v1.Pod) bool {
		s := p.Status.InitContainerStatuses[1]
		return s.RestartCount == 1 && s.State.Running != nil
	})
}

// A container killed from outside is seen at once (containerd's exit event) and restarted.
func TestContainerKilledFromOutside(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("victim.yaml", sleeperPod("victim"))
	pod := a.waitRunning("default", "victim")
	a.killContainer(pod.Status.ContainerStatuses[0].ContainerID)
	p := a.waitPod("default", "victim", "is restarted", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	last := p.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last == nil || last.ExitCode != 137 || last.Reason != "Error" {
		t.Errorf("lastState: %+v", last)
	}
	if p.Status.PodIP != pod.Status.PodIP {
		t.Error("the pod lost its IP over a container restart")
	}
}
