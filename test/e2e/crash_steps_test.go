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

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// crashPod has two init and two main containers. Each init container appends a line to a file on
// the host, so a re-run shows; the first main container's preStop hook leaves a mark on the host
// and, when the test asks for it with the file "linger", outlasts the agent; both main containers
// end on SIGTERM.
const crashPod = `apiVersion: v1
kind: Pod
metadata: {name: %[1]s}
spec:
  terminationGracePeriodSeconds: 10
  volumes:
  - {name: marks, hostPath: {path: %[2]q, type: DirectoryOrCreate}}
  initContainers:
  - {name: init1, image: busybox:1.35, command: ["sh", "-c", "echo ran >> /marks/init1"], volumeMounts: [{name: marks, mountPath: /marks}]}
  - {name: init2, image: busybox:1.35, command: ["sh", "-c", "echo ran >> /marks/init2"], volumeMounts: [{name: marks, mountPath: /marks}]}
  containers:
  - name: main1
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    volumeMounts: [{name: marks, mountPath: /marks}]
    lifecycle:
      preStop: {exec: {command: ["sh", "-c", "touch /marks/prestop; if [ -e /marks/linger ]; then sleep 600; fi"]}}
  - name: main2
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`

// crashStep is a moment at which the agent is SIGKILLed.
type crashStep struct {
	name string
	// failpoint makes the agent block there; empty for a step the test sees from outside.
	failpoint string
	// mark is a file in the pod's marks directory whose appearance is the moment (preStop, which
	// then lingers).
	mark string
	// deleting: the step is on the way down, after the manifest is removed from a running pod.
	deleting bool
}

func crashSteps() []crashStep {
	steps := []crashStep{
		{name: "netns made", failpoint: faults.NetnsCreated},
		{name: "CNI ADD done", failpoint: faults.CNIAdded},
		{name: "pause created", failpoint: faults.PauseCreated},
		{name: "pause started", failpoint: faults.PauseStarted},
	}
	for _, c := range []string{"init1", "init2", "main1", "main2"} {
		steps = append(steps,
			crashStep{name: c + " created", failpoint: faults.Container(faults.ContainerCreated, c)},
			crashStep{name: c + " started", failpoint: faults.Container(faults.ContainerStarted, c)})
	}
	return append(steps,
		crashStep{name: "during preStop", mark: "prestop", deleting: true},
		crashStep{name: "during the grace wait", failpoint: faults.StopSignalled, deleting: true},
		crashStep{name: "after the kill, before CNI DEL", failpoint: faults.BeforeCNIDel, deleting: true},
	)
}

// The agent SIGKILLed at every step of creating and of deleting a pod: once restarted, the pod
// converges (one sandbox, one netns, one IP, init containers run once, no restarts) or is gone
// with nothing left behind. (containerd TestContainerdRestartSandboxRecover; kubelet
// terminate_pods "should finish terminating")
func TestCrashAgentAtEveryStep(t *testing.T) {
	a := startAgent(t)
	a.dumpLogOnFailure()
	rounds := testenv.Count(1, 10)
	steps := crashSteps()
	took := map[string]time.Duration{}
	n := 0
	for round := 0; round < rounds; round++ {
		for _, step := range steps {
			start := time.Now()
			n++
			name := fmt.Sprintf("crash-%d", n)
			ok := t.Run(fmt.Sprintf("%s/%d", step.name, round), func(t *testing.T) {
				a.t = t
				a.crashAt(step, name, filepath.Join(t.TempDir(), "marks"))
			})
			a.t = t
			took[step.name] += time.Since(start)
			if !ok {
				t.FailNow()
			}
		}
	}
	for _, step := range steps {
		t.Logf("step %q: %d crash(es), %s in all", step.name, rounds, took[step.name].Round(time.Millisecond))
	}
}

// crashAt runs one pod through one crash at step and checks the outcome.
func (a *agent) crashAt(step crashStep, name, marks string) {
	a.t.Helper()
	a.stop()
	offset := a.relaunch(step.failpoint)
	manifest := name + ".yaml"
	if step.mark != "" {
		if err := os.MkdirAll(marks, 0o755); err != nil {
			a.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(marks, "linger"), nil, 0o644); err != nil {
			a.t.Fatal(err)
		}
	}
	a.writeManifest(manifest, fmt.Sprintf(crashPod, name, marks))
	var ip string
	if step.deleting {
		ip = a.waitConverged(name, marks).Status.PodIP
		a.removeManifest(manifest)
	}
	if step.failpoint != "" {
		a.waitFailpoint(offset, step.failpoint)
	} else {
		a.eventually("the mark "+step.mark, func() (bool, string) {
			_, err := os.Stat(filepath.Join(marks, step.mark))
			return err == nil, fmt.Sprint(err)
		})
	}
	a.kill()
	a.relaunch("")
	if !step.deleting {
		ip = a.waitConverged(name, marks).Status.PodIP
		a.removeManifest(manifest)
	}
	a.waitGone("default", name)
	a.waitRemoved()
	a.assertNothingLeft(ip)
}

// waitConverged waits until the crash pod runs and is Ready, then checks it has exactly one
// sandbox, netns and IP, that each init container ran once, and that nothing restarted.
func (a *agent) waitConverged(name, marks string) *v1.Pod {
	t := a.t
	t.Helper()
	p := a.waitRunning("default", name)
	if got := a.pauseContainers(string(p.UID)); len(got) != 1 {
		t.Errorf("pause containers of the pod: %v, want one", got)
	}
	if got := names(a.t, filepath.Join(a.root, "sandboxes")); len(got) != 1 {
		t.Errorf("sandboxes on record: %v, want one", got)
	}
	if got := a.leftNetns(); len(got) != 1 {
		t.Errorf("network namespaces of the agent: %v, want one", got)
	}
	if got := a.leasedIPs(); len(got) != 1 || got[0] != p.Status.PodIP {
		t.Errorf("leased IPs %v, want only the pod's %q", got, p.Status.PodIP)
	}
	for _, c := range []string{"init1", "init2"} {
		data, err := os.ReadFile(filepath.Join(marks, c))
		if runs := strings.Count(string(data), "ran"); err != nil || runs != 1 {
			t.Errorf("init container %s ran %d times (%v), want once", c, runs, err)
		}
	}
	for _, cs := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		if cs.RestartCount != 0 {
			t.Errorf("container %s restarted %d times, want none: %s", cs.Name, cs.RestartCount, describe(p))
		}
	}
	return p
}
