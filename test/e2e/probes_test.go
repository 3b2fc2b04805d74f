package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// emptyDirPath is where a pod's emptyDir lives on the host, so a test can change what a container
// serves without exec.
func (a *agent) emptyDirPath(pod *v1.Pod, volume string) string {
	return filepath.Join(a.root, "pods", string(pod.UID), "volumes", "empty-dir", volume)
}

func ready(p *v1.Pod) bool { return condition(p, v1.PodReady) }

// The Kubernetes documentation's exec liveness example: the container removes its health file
// after a while and is restarted; the events say why.
func TestLivenessExec(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("liveness.yaml", `apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: liveness
    image: busybox:1.35
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm -f /tmp/healthy; sleep 600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 1
`)
	a.waitPod("default", "liveness-exec", "is restarted by its liveness probe", func(p *v1.Pod) bool {
		return p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	events := a.events("default", "liveness-exec")
	unhealthy := findEvent(events, "Unhealthy")
	if unhealthy == nil || !strings.HasPrefix(unhealthy.Message, "Liveness probe failed: cat: can't open '/tmp/healthy'") {
		t.Errorf("Unhealthy event: %+v", unhealthy)
	}
	if unhealthy != nil && unhealthy.InvolvedObject.FieldPath != "spec.containers{liveness}" {
		t.Errorf("event about %q", unhealthy.InvolvedObject.FieldPath)
	}
	if k := findEventMessage(events, "Killing", "Container liveness failed liveness probe, will be restarted"); k == nil {
		t.Errorf("no Killing event saying why: %+v", events)
	}
}

// HTTP readiness follows a file the test removes and restores: Ready goes False then True, and the
// container is never restarted.
func TestReadinessHTTP(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("ready.yaml", `apiVersion: v1
kind: Pod
metadata: {name: ready-http}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:1.35
    command: ["sh", "-c", "echo ok > /www/ready; exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 1
      failureThreshold: 1
    volumeMounts: [{name: www, mountPath: /www}]
  volumes: [{name: www, emptyDir: {}}]
`)
	pod := a.waitPod("default", "ready-http", "becomes Ready", ready)
	file := filepath.Join(a.emptyDirPath(pod, "www"), "ready")
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	notReady := a.waitPod("default", "ready-http", "becomes not Ready", func(p *v1.Pod) bool { return !ready(p) })
	if cs := notReady.Status.ContainerStatuses[0]; cs.Ready || cs.State.Running == nil {
		t.Errorf("container: %+v", cs)
	}
	if e := findEvent(a.events("default", "ready-http"), "Unhealthy"); e == nil || !strings.Contains(e.Message, "Readiness probe failed: HTTP probe failed with statuscode: 404") {
		t.Errorf("Unhealthy event: %+v", e)
	}
	if err := os.WriteFile(file, []byte("ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := a.waitPod("default", "ready-http", "is Ready again", ready)
	if cs := again.Status.ContainerStatuses[0]; cs.RestartCount != 0 || cs.ContainerID != pod.Status.ContainerStatuses[0].ContainerID {
		t.Errorf("readiness restarted the container: %+v", cs)
	}
}

// tcpSocket readiness and liveness on a listening port keep the pod Ready; a liveness probe on a
// closed port restarts its container.
func TestTCPProbes(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("tcp.yaml", `apiVersion: v1
kind: Pod
metadata: {name: tcp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www; exec httpd -f -p 8080 -h /www"]
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, failureThreshold: 1}
  - name: closed
    image: busybox:1.35
    command: ["sleep", "600"]
    livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 1}
`)
	a.waitPod("default", "tcp", "restarts the container whose port is closed", func(p *v1.Pod) bool {
		return p.Status.ContainerStatuses[1].RestartCount >= 1
	})
	p := a.waitPod("default", "tcp", "has its web container Ready", func(p *v1.Pod) bool { return p.Status.ContainerStatuses[0].Ready })
	if n := p.Status.ContainerStatuses[0].RestartCount; n != 0 {
		t.Errorf("the listening container restarted %d times", n)
	}
}

// gRPC liveness against the standard health service.
func TestGRPCLiveness(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("grpc.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: grpc}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: server
    image: %s
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "touch /tmp/healthy; (sleep 3; rm /tmp/healthy) & exec grpchealth -port 9000 -file /tmp/healthy"]
    livenessProbe: {grpc: {port: 9000}, periodSeconds: 1, failureThreshold: 1}
`, grpcImage))
	a.waitPod("default", "grpc", "runs and is live", func(p *v1.Pod) bool {
		return ready(p) && p.Status.ContainerStatuses[0].RestartCount == 0
	})
	a.waitPod("default", "grpc", "is restarted once NOT_SERVING", func(p *v1.Pod) bool {
		return p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	// An earlier probe may have failed to connect while the server was still starting (slow
	// machines): look for the NOT_SERVING failure among the Unhealthy events.
	a.eventually("an Unhealthy event for NOT_SERVING", func() (bool, string) {
		var seen []string
		for _, e := range a.events("default", "grpc") {
			if e.Reason == "Unhealthy" {
				if strings.Contains(e.Message, "NOT_SERVING") {
					return true, ""
				}
				seen = append(seen, e.Message)
			}
		}
		return false, fmt.Sprintf("Unhealthy events %q", seen)
	})
}

// A startup probe holds the liveness probe back: a liveness check that would fail before the
// container is up does not kill it.
func TestStartupProbeGatesLiveness(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("startup.yaml", `apiVersion: v1
kind: Pod
metadata: {name: slow-start}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:1.35
    command: ["sh", "-c", "sleep 3; touch /tmp/started; exec sleep 600"]
    startupProbe: {exec: {command: ["test", "-f", "/tmp/started"]}, periodSeconds: 1, failureThreshold: 30}
    livenessProbe: {exec: {command: ["test", "-f", "/tmp/started"]}, periodSeconds: 1, failureThreshold: 1}
`)
	first := a.waitPod("default", "slow-start", "is listed running", func(p *v1.Pod) bool {
		return p.Status.ContainerStatuses[0].State.Running != nil
	})
	if cs := first.Status.ContainerStatuses[0]; *cs.Started || cs.Ready {
		// Only a race with the 3 s start could make this true; it would not be a bug then.
		t.Logf("already started at first sight: %+v", cs)
	}
	p := a.waitPod("default", "slow-start", "has started and is Ready", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.Started != nil && *cs.Started && cs.Ready
	})
	if n := p.Status.ContainerStatuses[0].RestartCount; n != 0 {
		t.Errorf("liveness killed the container %d times before it started", n)
	}
}

// postStart writes a file the main process waits for; preStop writes to an emptyDir that another
// container of the pod reads while it is being stopped.
func TestHooks(t *testing.T) {
	a := startAgent(t)
	host := t.TempDir()
	a.writeManifest("hooks.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: hooks}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "until test -f /shared/poststart; do sleep 0.1; done; cp /shared/poststart /host/main-saw; exec sleep 600"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo from-poststart > /shared/poststart"]}}
      preStop: {exec: {command: ["sh", "-c", "echo from-prestop > /shared/prestop"]}}
    volumeMounts: [{name: shared, mountPath: /shared}, {name: host, mountPath: /host}]
  - name: reader
    image: busybox:1.35
    command: ["sh", "-c", "trap 'for i in $(seq 40); do test -f /shared/prestop && cp /shared/prestop /host/reader-saw && exit 0; sleep 0.1; done; exit 1' TERM; while true; do sleep 0.1; done"]
    volumeMounts: [{name: shared, mountPath: /shared}, {name: host, mountPath: /host}]
  volumes:
  - {name: shared, emptyDir: {}}
  - {name: host, hostPath: {path: %q}}
`, host))
	a.waitRunning("default", "hooks")
	a.eventually("the main process saw the postStart file", func() (bool, string) {
		data, _ := os.ReadFile(filepath.Join(host, "main-saw"))
		return string(data) == "from-poststart\n", string(data)
	})
	a.removeManifest("hooks.yaml")
	a.waitGone("default", "hooks")
	if data, err := os.ReadFile(filepath.Join(host, "reader-saw")); err != nil || string(data) != "from-prestop\n" {
		t.Errorf("the other container did not see preStop's file during the grace period: %q %v", data, err)
	}
}

// A failing postStart kills its container (FailedPostStartHook) and the restart policy applies; the
// hook's output never reaches the events.
func TestFailingPostStart(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	a.writeManifest("badhook.yaml", `apiVersion: v1
kind: Pod
metadata: {name: bad-hook}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1.35
    command: ["sleep", "600"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo SECRET-TOKEN-42; exit 3"]}}
`)
	a.waitPod("default", "bad-hook", "restarts after its postStart failed", func(p *v1.Pod) bool {
		return p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	events := a.events("default", "bad-hook")
	if findEvent(events, "FailedPostStartHook") == nil {
		t.Errorf("no FailedPostStartHook event: %+v", events)
	}
	for _, e := range events {
		if strings.Contains(e.Message, "SECRET-TOKEN-42") {
			t.Errorf("hook output leaked into an event: %+v", e)
		}
	}
}

// A probe that outlives timeoutSeconds is killed and counts as a failure.
func TestProbeTimeout(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("slow.yaml", `apiVersion: v1
kind: Pod
metadata: {name: slow-probe}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:1.35
    command: ["sleep", "600"]
    readinessProbe: {exec: {command: ["sleep", "30"]}, timeoutSeconds: 1, periodSeconds: 2, failureThreshold: 1}
`)
	a.waitPod("default", "slow-probe", "runs", func(p *v1.Pod) bool { return p.Status.ContainerStatuses[0].State.Running != nil })
	a.eventually("a readiness failure for the timeout", func() (bool, string) {
		e := findEvent(a.events("default", "slow-probe"), "Unhealthy")
		return e != nil && strings.Contains(e.Message, "timed out"), fmt.Sprintf("%+v", e)
	})
	if p := a.pod("default", "slow-probe"); p == nil || ready(p) {
		t.Errorf("a pod whose readiness probe times out is Ready: %v", p)
	}
}
