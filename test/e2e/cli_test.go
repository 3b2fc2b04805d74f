package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/images"
)

func (a *agent) cli(args ...string) string {
	a.t.Helper()
	out, err := exec.Command(built.agent, args...).CombinedOutput()
	if err != nil {
		a.t.Fatalf("minikubelet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCLI(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("web-pod.yaml", webPod(hosttest.FreePort(t), hosttest.FreePort(t)))
	a.writeManifest("bad.yaml", sleeperPod("Bad"))
	pod := a.waitRunning("space02", "web-pod")
	server := "--socket=" + a.socket

	out := a.cli("get", "pods", "-A", "-o", "wide", server)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	header := strings.Fields(lines[0])
	if strings.Join(header, " ") != "NAMESPACE NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" {
		t.Errorf("header: %q", lines[0])
	}
	row := strings.Join(strings.Fields(lines[1]), " ")
	if !strings.HasPrefix(row, "space02 web-pod 2/2 Running 0 ") || !strings.Contains(row, pod.Status.PodIP) {
		t.Errorf("row: %q", lines[1])
	}
	if !strings.Contains(out, "1 manifest(s) refused; see 'minikubelet get errors'") {
		t.Errorf("no notice of the refused manifest in:\n%s", out)
	}
	out = a.cli("get", "errors", server)
	if !strings.Contains(out, "bad.yaml") || !strings.Contains(out, "metadata.name") {
		t.Errorf("get errors:\n%s", out)
	}
	out = a.cli("get", "pods", "web-pod", "-n", "space02", "-o", "json", server)
	if !strings.Contains(out, `"podIP": "`+pod.Status.PodIP+`"`) {
		t.Errorf("-o json lacks the pod IP:\n%.500s", out)
	}
	out = a.cli("describe", "pod", "web-pod", "-n", "space02", server)
	for _, want := range []string{"Name:", "web-pod", "Init Containers:", "init-a:", "Containers:", "server:",
		"Events:", "Started container server", "Created container: sidecar"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe pod lacks %q:\n%s", want, out)
		}
	}

	// By hand: the archive goes in under a new name, and image ls shows it.
	tar := filepath.Join(t.TempDir(), "extra.tar")
	imgs, err := images.Busybox(images.DefaultBusybox, "example.test/extra:v2")
	if err != nil {
		t.Fatal(err)
	}
	if err := ociimage.WriteArchiveFile(tar, imgs...); err != nil {
		t.Fatal(err)
	}
	if out := a.cli("image", "import", "--containerd-namespace", a.namespace, tar); !strings.Contains(out, "imported example.test/extra:v2") {
		t.Errorf("image import:\n%s", out)
	}
	out = a.cli("image", "ls", "--containerd-namespace", a.namespace)
	if !strings.Contains(out, "example.test/extra:v2") {
		t.Errorf("image ls lacks the imported image:\n%s", out)
	}
	if !strings.Contains(out, "docker.io/library/busybox:1.35") || !strings.Contains(out, "minikubelet.local/pause:") {
		t.Errorf("image ls:\n%s", out)
	}
}
