package e2e

import (
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hosttest"
)

const sleeper = `apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]%s}
`

func sleeperPod(name string) string { return fmt.Sprintf(sleeper, name, "") }

// A broken manifest is refused with its file and field and harms nothing else: not a pod of
// another file, and not the running pod of its own file when an edit breaks it.
func TestRefusedManifests(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("good.yaml", sleeperPod("good"))
	a.writeManifest("keep.yaml", sleeperPod("keep"))
	good := a.waitRunning("default", "good")
	keep := a.waitRunning("default", "keep")

	a.writeManifest("capitals.yaml", sleeperPod("lqhCronJob1"))
	a.writeManifest("unknown.yaml", strings.Replace(sleeperPod("unknown"), "spec:\n", "spec:\n  replicas: 3\n", 1))
	a.writeManifest("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
	// An edit that breaks a running pod's file.
	a.writeManifest("keep.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: keep\n")

	want := map[string]string{ // file -> field
		"capitals.yaml": "metadata.name",
		"unknown.yaml":  "spec.replicas",
		"deploy.yaml":   "kind",
		"keep.yaml":     "",
	}
	a.eventually("four refused manifests", func() (bool, string) {
		errs := a.manifestErrors()
		found := map[string]string{}
		for _, e := range errs {
			for file := range want {
				if strings.HasSuffix(e.File, "/"+file) {
					found[file] = e.Field
				}
			}
		}
		for file, field := range want {
			if f, ok := found[file]; !ok || (field != "" && f != field) {
				return false, fmt.Sprintf("%+v", errs)
			}
		}
		return true, ""
	})
	for _, e := range a.manifestErrors() {
		if strings.HasSuffix(e.File, "/unknown.yaml") && e.Message != "unknown field" {
			t.Errorf("unknown.yaml: message %q, want %q", e.Message, "unknown field")
		}
		if strings.HasSuffix(e.File, "/deploy.yaml") && !strings.Contains(e.Message, "kind Deployment not supported yet") {
			t.Errorf("deploy.yaml: message %q", e.Message)
		}
	}
	// Nothing else moved: same containers, no restarts.
	for _, before := range []*v1.Pod{good, keep} {
		now := a.waitRunning("default", before.Name)
		if now.UID != before.UID || now.Status.ContainerStatuses[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID ||
			now.Status.ContainerStatuses[0].RestartCount != 0 {
			t.Errorf("pod %s changed: before %s, now %s", before.Name, describe(before), describe(now))
		}
	}
	if len(a.pods()) != 2 {
		t.Errorf("%d pods, want only good and keep", len(a.pods()))
	}
}

// Two pods wanting one hostPort: the second waits with a clear reason, the first is untouched,
// and the second starts once the first is gone (kubelet would fail it for good).
func TestHostPortConflict(t *testing.T) {
	a := startAgent(t)
	port := hosttest.FreePort(t)
	withPort := func(name string) string {
		return fmt.Sprintf(sleeper, name, fmt.Sprintf(`, ports: [{containerPort: 80, hostPort: %d}]`, port))
	}
	a.writeManifest("a-first.yaml", withPort("first"))
	first := a.waitRunning("default", "first")
	a.writeManifest("b-second.yaml", withPort("second"))
	second := a.waitPod("default", "second", "is refused its hostPort", func(p *v1.Pod) bool {
		return p.Status.Reason == "HostPortConflict"
	})
	if want := fmt.Sprintf("hostPort %d/TCP is already used by pod default/first", port); !strings.Contains(second.Status.Message, want) {
		t.Errorf("message %q, want it to say %q", second.Status.Message, want)
	}
	if second.Status.Phase != v1.PodPending {
		t.Errorf("phase %s, want Pending", second.Status.Phase)
	}
	if now := a.waitRunning("default", "first"); now.Status.ContainerStatuses[0].ContainerID != first.Status.ContainerStatuses[0].ContainerID {
		t.Errorf("the first pod was disturbed: %s", describe(now))
	}
	a.removeManifest("a-first.yaml")
	a.waitRunning("default", "second")
}

// Editing a manifest's pod-level spec recreates the pod under a new UID; rewriting it unchanged,
// or changing only comments, does not. (Container-only edits apply in place: TestInPlaceUpdate.)
func TestManifestEdit(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("p.yaml", sleeperPod("p"))
	before := a.waitRunning("default", "p")
	a.writeManifest("p.yaml", "# a comment changes nothing\n"+sleeperPod("p"))
	if now := a.waitRunning("default", "p"); now.UID != before.UID {
		t.Fatalf("a comment recreated the pod")
	}
	a.writeManifest("p.yaml", strings.Replace(sleeperPod("p"), "terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 2", 1))
	after := a.waitPod("default", "p", "is recreated and Running", func(p *v1.Pod) bool {
		return p.UID != before.UID && p.Status.Phase == v1.PodRunning
	})
	if after.Status.ContainerStatuses[0].ContainerID == before.Status.ContainerStatuses[0].ContainerID {
		t.Error("same container after a spec change")
	}
	if n := len(a.pods()); n != 1 {
		t.Errorf("%d pods after the edit, want 1", n)
	}
}

// Stopping the agent leaves pods running; a new agent adopts them without restarting anything.
func TestAgentRestartAdoptsPods(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("web-pod.yaml", webPod(hosttest.FreePort(t), hosttest.FreePort(t)))
	before := a.waitRunning("space02", "web-pod")
	a.restart()
	after := a.waitRunning("space02", "web-pod")
	if after.UID != before.UID || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("pod changed across the restart: %s -> %s", before.Status.PodIP, after.Status.PodIP)
	}
	if !after.CreationTimestamp.Equal(&before.CreationTimestamp) {
		t.Errorf("creationTimestamp changed: %s -> %s", before.CreationTimestamp, after.CreationTimestamp)
	}
	for i, cs := range after.Status.ContainerStatuses {
		was := before.Status.ContainerStatuses[i]
		if cs.ContainerID != was.ContainerID || cs.RestartCount != 0 {
			t.Errorf("container %s restarted: %s -> %s (restarts %d)", cs.Name, was.ContainerID, cs.ContainerID, cs.RestartCount)
		}
	}
	for i, cs := range after.Status.InitContainerStatuses {
		if cs.ContainerID != before.Status.InitContainerStatuses[i].ContainerID {
			t.Errorf("init container %s ran again", cs.Name)
		}
	}
}
