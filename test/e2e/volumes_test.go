package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hosttest"
)

func TestVolumes(t *testing.T) {
	a := startAgent(t)
	host := t.TempDir()
	created := filepath.Join(host, "made-by-kubelet")
	if err := os.WriteFile(filepath.Join(host, "note"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := hosttest.FreePort(t)
	a.writeManifest("vols.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && cp /host/note /www/note; grep -q ' /mem tmpfs ' /proc/mounts && echo tmpfs > /www/mem; touch /ro/x 2>/dev/null || echo read-only > /www/ro; echo via-subpath > /sub/file; cat /made/file > /www/made; exec httpd -f -p %d -h /www"]
    ports: [{containerPort: %d, hostPort: %d}]
    volumeMounts:
    - {name: host, mountPath: /host}
    - {name: host, mountPath: /ro, readOnly: true}
    - {name: mem, mountPath: /mem}
    - {name: scratch, mountPath: /sub, subPath: deep/dir}
    - {name: made, mountPath: /made}
  initContainers:
  - name: prep
    image: busybox:1.35
    command: ["sh", "-c", "echo made > /made/file"]
    volumeMounts: [{name: made, mountPath: /made}]
  volumes:
  - {name: host, hostPath: {path: %q, type: Directory}}
  - {name: made, hostPath: {path: %q, type: DirectoryOrCreate}}
  - {name: mem, emptyDir: {medium: Memory}}
  - {name: scratch, emptyDir: {}}
`, port, port, port, host, created))
	pod := a.waitRunning("default", "vols")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for path, want := range map[string]string{
		"/note": "from the host\n", "/mem": "tmpfs\n", "/ro": "read-only\n", "/made": "made\n",
	} {
		if got := a.httpGet(base + path); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(created, "file")); err != nil || string(data) != "made\n" {
		t.Errorf("DirectoryOrCreate hostPath: %q %v", data, err)
	}
	sub := filepath.Join(a.root, "pods", string(pod.UID), "volumes", "empty-dir", "scratch", "deep", "dir", "file")
	if data, err := os.ReadFile(sub); err != nil || string(data) != "via-subpath\n" {
		t.Errorf("subPath write landed elsewhere: %q %v", data, err)
	}
	a.removeManifest("vols.yaml")
	a.waitGone("default", "vols")
	if _, err := os.Stat(filepath.Join(host, "note")); err != nil {
		t.Errorf("deleting the pod touched the hostPath: %v", err)
	}
	a.assertNothingLeft(pod.Status.PodIP)
}

// A subPath that leads through a symlink out of its volume is refused, not followed
// (CVE-2017-1002101, CVE-2021-25741); the container never starts.
func TestSubPathSymlinkEscape(t *testing.T) {
	a := startAgent(t)
	vol := t.TempDir()
	secret := t.TempDir()
	if err := os.WriteFile(filepath.Join(secret, "shadow"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(vol, "escape")); err != nil {
		t.Fatal(err)
	}
	a.writeManifest("escape.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: escape}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1.35
    command: ["cat", "/stolen/shadow"]
    volumeMounts: [{name: v, mountPath: /stolen, subPath: escape}]
  volumes:
  - {name: v, hostPath: {path: %q}}
`, vol))
	pod := a.waitPod("default", "escape", "is refused its subPath", func(p *v1.Pod) bool {
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "CreateContainerConfigError"
	})
	if msg := pod.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "symlink") {
		t.Errorf("message %q does not say why", msg)
	}
	if pod.Status.ContainerStatuses[0].ContainerID != "" {
		t.Error("a container was created")
	}
}
