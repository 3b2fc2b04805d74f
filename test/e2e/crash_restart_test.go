package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// restartPod is a pod of TestCrashAgentRestartWith20Pods: one container, "main", running
// command under the restart policy, with more lines for it in containerExtra and for the spec in
// specExtra. terminationGracePeriodSeconds 1 keeps its removal quick.
func restartPod(name, policy, command, containerExtra, specExtra string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: %s
%s  containers:
  - name: main
    image: busybox:1.35
    command: %s
%s`, name, policy, specExtra, command, containerExtra)
}

const (
	sleepForever = `["sleep", "3600"]`
	// readyByProbe makes a pod Ready only by its readiness probe, which a restart must not reset.
	readyByProbe = "    readinessProbe: {exec: {command: [\"true\"]}, periodSeconds: 2}\n"
)

// initOnce is an init container that appends a line to a host file per run.
func initOnce(dir string) string {
	return fmt.Sprintf(`  volumes:
  - {name: marks, hostPath: {path: %q, type: DirectoryOrCreate}}
  initContainers:
  - {name: init, image: busybox:1.35, command: ["sh", "-c", "echo ran >> /marks/init"], volumeMounts: [{name: marks, mountPath: /marks}]}
`, dir)
}

// restartBackoff is the agent's first restart back-off in this test: delays 1s, 2s, 4s, ... 30s.
const restartBackoff = time.Second

// An agent SIGKILLed and restarted with 20 pods in every state changes none of them: watched
// through /pods?watch=true for 20 s (60 s at full counts) from the restart, no restartCount
// changes, no Ready flips, no finished init container re-run, no Succeeded pod restarted, and the
// crash-looping pods' back-off is not cut short. (kubelet MirrorPod "should not change container
// status")
func TestCrashAgentRestartWith20Pods(t *testing.T) {
	a := startAgent(t, withFlags(fmt.Sprintf("--container-restart-backoff=%s", restartBackoff)))
	a.dumpLogOnFailure()
	window := time.Duration(testenv.Count(20, 60)) * time.Second
	marks := t.TempDir()
	kinds := map[string]string{} // pod name -> kind
	add := func(kind string, n int, manifest func(name string) string) {
		for i := range n {
			name := fmt.Sprintf("%s-%d", kind, i)
			kinds[name] = kind
			a.writeManifest(name+".yaml", manifest(name))
		}
	}
	add("running", 3, func(n string) string { return restartPod(n, "Always", sleepForever, "", "") })
	add("probed", 3, func(n string) string { return restartPod(n, "Always", sleepForever, readyByProbe, "") })
	add("succeeded", 5, func(n string) string { return restartPod(n, "Never", `["true"]`, "", "") })
	add("initdone", 5, func(n string) string {
		return restartPod(n, "Always", sleepForever, "", initOnce(filepath.Join(marks, n)))
	})
	add("crashloop", 4, func(n string) string { return restartPod(n, "Always", `["sh", "-c", "exit 1"]`, "", "") })

	start := time.Now()
	var before map[string]v1.Pod
	a.eventually("20 pods in their states, crash loops 3 restarts deep", func() (bool, string) {
		before = map[string]v1.Pod{}
		for _, p := range a.pods() {
			before[p.Name] = p
		}
		for name, kind := range kinds {
			p, ok := before[name]
			if !ok {
				return false, name + " missing"
			}
			if !settled(kind, &p) {
				return false, name + ": " + describe(&p)
			}
		}
		return true, ""
	})
	t.Logf("20 pods settled in %s", time.Since(start).Round(time.Millisecond))

	a.kill()
	a.start()
	events := a.watchPodsFor(window)

	checked := map[string]bool{} // "pod/restartCount" of each restart checked
	for _, ev := range events {
		name := ev.pod.Name
		kind, ok := kinds[name]
		if !ok {
			t.Errorf("%s: pod %q appeared", ev.typ, name)
			continue
		}
		if ev.typ == "DELETED" {
			t.Errorf("pod %s was deleted", name)
			continue
		}
		old := before[name]
		if kind == "crashloop" {
			if n := a.checkBackoffKept(&old, &ev.pod); n > 0 {
				checked[fmt.Sprintf("%s/%d", name, n)] = true
			}
			continue
		}
		if ev.pod.Status.Phase != old.Status.Phase || condition(&ev.pod, v1.PodReady) != condition(&old, v1.PodReady) {
			t.Errorf("pod %s went from %s ready=%v to %s ready=%v: %s", name, old.Status.Phase, condition(&old, v1.PodReady),
				ev.pod.Status.Phase, condition(&ev.pod, v1.PodReady), describe(&ev.pod))
		}
		if got, want := instances(&ev.pod), instances(&old); got != want {
			t.Errorf("pod %s containers changed: %s, were %s", name, got, want)
		}
	}
	for name, kind := range kinds {
		if kind != "initdone" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(marks, name, "init"))
		if runs := strings.Count(string(data), "ran"); err != nil || runs != 1 {
			t.Errorf("the init container of %s ran %d times (%v), want once", name, runs, err)
		}
	}
	if t.Failed() {
		for name := range kinds {
			for _, e := range a.events("default", name) {
				t.Logf("event of %s: %s %s: %s", name, e.LastTimestamp.Format(time.RFC3339), e.Reason, e.Message)
			}
		}
	}
	if len(checked) == 0 {
		t.Errorf("no crash-looping container restarted in the %s watched: the back-off was not put to the test", window)
	}
	t.Logf("watched %s after the restart: %d updates of 20 pods; %d crash-loop restarts, each after its full back-off",
		window, len(events), len(checked))

	// Then every pod goes, and nothing of them stays.
	var ips []string
	for name := range kinds {
		if ip := before[name].Status.PodIP; ip != "" {
			ips = append(ips, ip)
		}
		a.removeManifest(name + ".yaml")
	}
	a.eventually("every pod is gone", func() (bool, string) {
		n := len(a.pods())
		return n == 0, fmt.Sprintf("%d pods", n)
	})
	a.waitRemoved()
	a.assertNothingLeft(ips...)
}

// settled tells whether a pod of the given kind is in the state the test restarts the agent in.
func settled(kind string, p *v1.Pod) bool {
	switch kind {
	case "succeeded":
		return p.Status.Phase == v1.PodSucceeded
	case "crashloop":
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 3 && cs[0].State.Waiting != nil &&
			cs[0].State.Waiting.Reason == "CrashLoopBackOff"
	default:
		return p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady)
	}
}

// instances names every container instance the pod reports, with its restart count.
func instances(p *v1.Pod) string {
	var b strings.Builder
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			fmt.Fprintf(&b, "[%s %s restarts=%d]", cs.Name, cs.ContainerID, cs.RestartCount)
		}
	}
	return b.String()
}

// checkBackoffKept checks a crash-looping pod's update: its restart count never goes down, and a
// restart it shows came no earlier than the back-off allowed after the failure before it. It
// returns the restart count it checked, 0 if the update showed no restart since the agent's.
func (a *agent) checkBackoffKept(before, now *v1.Pod) int32 {
	t := a.t
	t.Helper()
	was, cs := before.Status.ContainerStatuses[0], now.Status.ContainerStatuses[0]
	if cs.RestartCount < was.RestartCount {
		t.Errorf("pod %s: restartCount went from %d to %d", now.Name, was.RestartCount, cs.RestartCount)
		return 0
	}
	if cs.RestartCount == was.RestartCount || cs.LastTerminationState.Terminated == nil {
		return 0
	}
	var started metav1.Time
	switch {
	case cs.State.Running != nil:
		started = cs.State.Running.StartedAt
	case cs.State.Terminated != nil:
		started = cs.State.Terminated.StartedAt
	default:
		return 0 // waiting again: this instance is the last one; its start shows in lastState later
	}
	// The restart that made restartCount n waited Initial * 2^(n-2) after the previous failure
	// (the first restart waits nothing), capped at 30 * Initial.
	delay := min(restartBackoff<<min(cs.RestartCount-2, 5), 30*restartBackoff)
	// Status times have whole seconds: allow for the truncation of both.
	gap := started.Sub(cs.LastTerminationState.Terminated.FinishedAt.Time)
	if gap < delay-time.Second {
		t.Errorf("pod %s: restart %d came %s after the failure before it; its back-off was %s",
			now.Name, cs.RestartCount, gap, delay)
	}
	return cs.RestartCount
}

// watchEvent is one update of GET /pods?watch=true.
type watchEvent struct {
	typ string
	pod v1.Pod
}

// watchPodsFor streams GET /pods?watch=true for d and returns every pod update (bookmarks left out):
// first the pods as they are, then each change.
func (a *agent) watchPodsFor(d time.Duration) []watchEvent {
	t := a.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://minikubelet/pods?watch=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.socketClient().Do(req)
	if err != nil {
		t.Fatalf("watch /pods: %v", err)
	}
	defer resp.Body.Close()
	var out []watchEvent
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	for scanner.Scan() {
		var ev metav1.WatchEvent
		if err := json.Unmarshal(scanner.Bytes(), &ev); err != nil {
			t.Fatalf("decode watch event: %v: %s", err, scanner.Text())
		}
		if ev.Type == "BOOKMARK" {
			continue
		}
		var p v1.Pod
		if err := json.Unmarshal(ev.Object.Raw, &p); err != nil {
			t.Fatalf("decode pod of watch event: %v", err)
		}
		out = append(out, watchEvent{typ: ev.Type, pod: p})
	}
	if ctx.Err() == nil {
		t.Fatalf("the watch ended before %s: %v", d, scanner.Err())
	}
	return out
}
