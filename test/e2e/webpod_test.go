package e2e

import (
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hosttest"
)

// webPod is the runtime issue's pod: two init containers that must run in order, then two web
// servers sharing the pod's IP, hostname and an emptyDir, each published on a hostPort.
func webPod(serverPort, sidecarPort int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: web-pod, namespace: space02, labels: {app: pod01-label}}
spec:
  terminationGracePeriodSeconds: 2
  initContainers:
  - name: init-a
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo first init; mkdir -p /www/server /www/sidecar; echo first > /www/order"]
    volumeMounts: [{name: www, mountPath: /www}]
  - name: init-b
    image: busybox
    imagePullPolicy: IfNotPresent
    # Succeeds only if init-a finished first.
    command: ["sh", "-c", "echo second init; test -f /www/order && echo second >> /www/order"]
    volumeMounts: [{name: www, mountPath: /www}]
  containers:
  - name: server
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "cp /www/order /www/server/order; hostname > /www/server/hostname; cp /etc/hosts /www/server/hosts; echo written-by-server > /www/shared.txt; echo hello from the server > /www/server/index.html; exec httpd -f -p 6379 -h /www/server"]
    ports: [{containerPort: 6379, hostPort: %d}]
    volumeMounts: [{name: www, mountPath: /www}]
  - name: sidecar
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "hostname > /www/sidecar/hostname; until wget -q -O /www/sidecar/via-localhost http://127.0.0.1:6379/index.html; do sleep 0.1; done; cp /www/shared.txt /www/sidecar/shared.txt; exec httpd -f -p 8080 -h /www/sidecar"]
    ports: [{containerPort: 8080, hostPort: %d}]
    volumeMounts: [{name: www, mountPath: /www}]
  volumes:
  - name: www
    emptyDir: {}
`, serverPort, sidecarPort)
}

func TestWebPod(t *testing.T) {
	a := startAgent(t)
	serverPort, sidecarPort := hostPort(t, 6355), hostPort(t, 8089)
	a.writeManifest("web-pod.yaml", webPod(serverPort, sidecarPort))
	pod := a.waitRunning("space02", "web-pod")

	if pod.Status.PodIP == "" || !a.cidr.Contains(parseIP(t, pod.Status.PodIP)) {
		t.Fatalf("pod IP %q is not in the pod CIDR %s", pod.Status.PodIP, a.cidr)
	}
	for _, ics := range pod.Status.InitContainerStatuses {
		if ics.State.Terminated == nil || ics.State.Terminated.ExitCode != 0 || ics.State.Terminated.Reason != "Completed" {
			t.Errorf("init container %s: %s", ics.Name, describe(pod))
		}
	}
	if n := len(pod.Status.ContainerStatuses); n != 2 {
		t.Fatalf("%d container statuses, want 2", n)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if !cs.Ready || cs.State.Running == nil || cs.RestartCount != 0 || !strings.HasPrefix(cs.ContainerID, "containerd://") {
			t.Errorf("container %s: %+v", cs.Name, cs)
		}
	}

	server := fmt.Sprintf("http://127.0.0.1:%d", serverPort)
	sidecar := fmt.Sprintf("http://127.0.0.1:%d", sidecarPort)
	tests := []struct{ name, url, want string }{
		{"init containers ran in order", server + "/order", "first\nsecond\n"},
		{"hostPort reaches the server", server + "/index.html", "hello from the server\n"},
		{"the pod IP reaches the server", "http://" + pod.Status.PodIP + ":6379/index.html", "hello from the server\n"},
		{"server's hostname is the pod name", server + "/hostname", "web-pod\n"},
		{"sidecar's hostname is the pod name", sidecar + "/hostname", "web-pod\n"},
		{"the sidecar reached the server on localhost", sidecar + "/via-localhost", "hello from the server\n"},
		{"the emptyDir is shared", sidecar + "/shared.txt", "written-by-server\n"},
	}
	for _, tc := range tests {
		if got := a.httpGet(tc.url); got != tc.want {
			t.Errorf("%s: GET %s = %q, want %q", tc.name, tc.url, got, tc.want)
		}
	}
	hosts := a.httpGet(server + "/hosts")
	if !strings.Contains(hosts, pod.Status.PodIP+"\tweb-pod\n") || !strings.Contains(hosts, "127.0.0.1\tlocalhost") {
		t.Errorf("/etc/hosts lacks the pod's own entries:\n%s", hosts)
	}
	if shims := a.shimCount(); shims != 1 {
		t.Errorf("the pod runs %d shims, want 1 (all its containers in one)", shims)
	}

	a.removeManifest("web-pod.yaml")
	a.waitGone("space02", "web-pod")
	a.assertNothingLeft(pod.Status.PodIP)
}

func TestHostNetworkPod(t *testing.T) {
	a := startAgent(t)
	port := hosttest.FreePort(t)
	a.writeManifest("host.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: on-host}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:1.35
    command: ["sh", "-c", "mkdir /www; hostname > /www/hostname; exec httpd -f -p %d -h /www"]
    ports: [{containerPort: %d}]
`, port, port))
	pod := a.waitRunning("default", "on-host")
	if pod.Status.PodIP != pod.Status.HostIP {
		t.Errorf("podIP %s, want the host IP %s", pod.Status.PodIP, pod.Status.HostIP)
	}
	got := a.httpGet(fmt.Sprintf("http://127.0.0.1:%d/hostname", port))
	if host := hostname(t); got != host+"\n" {
		t.Errorf("hostname in a hostNetwork pod = %q, want the node's %q", got, host)
	}
	a.removeManifest("host.yaml")
	a.waitGone("default", "on-host")
	a.assertNothingLeft()
}

func TestRunToCompletion(t *testing.T) {
	a := startAgent(t)
	for _, tc := range []struct {
		name, policy, command string
		want                  v1.PodPhase
		exit                  int32
		reason                string
	}{
		{name: "ok-never", policy: "Never", command: "exit 0", want: v1.PodSucceeded, exit: 0, reason: "Completed"},
		{name: "fail-never", policy: "Never", command: "exit 3", want: v1.PodFailed, exit: 3, reason: "Error"},
		{name: "ok-onfailure", policy: "OnFailure", command: "exit 0", want: v1.PodSucceeded, exit: 0, reason: "Completed"},
	} {
		a.writeManifest(tc.name+".yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  restartPolicy: %s
  containers:
  - {name: job, image: busybox:1.35, command: ["sh", "-c", "%s"]}
`, tc.name, tc.policy, tc.command))
		pod := a.waitPod("default", tc.name, "finishes as "+string(tc.want), func(p *v1.Pod) bool { return p.Status.Phase == tc.want })
		term := pod.Status.ContainerStatuses[0].State.Terminated
		if term == nil || term.ExitCode != tc.exit || term.Reason != tc.reason {
			t.Errorf("%s: %s", tc.name, describe(pod))
		}
		if condition(pod, v1.PodReady) {
			t.Errorf("%s: a finished pod is Ready", tc.name)
		}
	}
	// A finished pod keeps its status but gives back its sandbox: no pause, netns or IP.
	a.eventually("finished pods release their sandboxes", func() (bool, string) {
		left := a.leftNetns()
		return len(left) == 0, fmt.Sprint(left)
	})
}

func TestRestartPolicyAlways(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("crash.yaml", `apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: c, image: busybox:1.35, command: ["sh", "-c", "echo ran; exit 7"]}
`)
	pod := a.waitPod("default", "crash", "has restarted", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount >= 1 && cs.LastTerminationState.Terminated != nil
	})
	last := pod.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last.ExitCode != 7 || last.Reason != "Error" {
		t.Errorf("lastState.terminated = %+v, want exit 7 Error", last)
	}
	if pod.Status.Phase != v1.PodRunning && pod.Status.Phase != v1.PodPending {
		t.Errorf("phase %s for a crash-looping pod under Always", pod.Status.Phase)
	}
	a.waitPod("default", "crash", "is in CrashLoopBackOff", func(p *v1.Pod) bool {
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff" && strings.Contains(w.Message, "back-off 10s restarting failed container=c pod=crash_default(")
	})
}
