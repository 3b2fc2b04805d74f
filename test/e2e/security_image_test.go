package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/images"
)

// hostileWorkdirs are image WORKDIRs that point, or once pointed, outside the rootfs: a climb
// past the root, a symlink in the image climbing out, and the fds runc leaked before 1.1.12
// (CVE-2024-21626).
var hostileWorkdirs = map[string]string{
	"dotdot":  "../../../../../../..",
	"symlink": "/escape",
	"fd7":     "/proc/self/fd/7",
	"fd8":     "/proc/self/fd/8",
}

// reservedKeys are containerd label keys with a meaning to containerd (or to its CRI plugin): a
// pod or an image setting one must not get it onto a containerd object (CVE-2026-53488).
var reservedKeys = []string{"containerd.io/restart.loguri", "containerd.io/restart.status", "io.cri-containerd.kind"}

// writeHostileImages writes, into dir, images of busybox whose config has each hostile WORKDIR and
// the reserved labels, named hostile-NAME:1.
func writeHostileImages(t *testing.T, dir string) {
	t.Helper()
	var imgs []ociimage.Image
	for name, wd := range hostileWorkdirs {
		base, err := images.Busybox(images.DefaultBusybox, "docker.io/library/hostile-"+name+":1")
		if err != nil {
			t.Fatal(err)
		}
		img := base[0]
		img.Files = append(img.Files, ociimage.File{Path: "/escape", Mode: fs.ModeSymlink | 0o777, Linkname: "../../../../../../.."})
		img.Config.WorkingDir = wd
		img.Config.Labels = map[string]string{}
		for _, k := range reservedKeys {
			img.Config.Labels[k] = "binary:///bin/sh"
		}
		imgs = append(imgs, img)
	}
	if err := ociimage.WriteArchiveFile(filepath.Join(dir, "hostile.tar"), imgs...); err != nil {
		t.Fatal(err)
	}
}

// An image whose WORKDIR points outside its rootfs reaches nothing of the host: each container
// tries to write a file into a host directory through its working directory, and none lands. Reserved
// containerd labels from the pod's labels, its annotations and the image's config reach no
// containerd container: `ctr containers info` shows only the agent's io.minikubelet.* labels.
func TestSecurityImageAndLabels(t *testing.T) {
	requireE2E(t)
	imagesDir := t.TempDir()
	if err := os.Symlink(built.busyboxTar, filepath.Join(imagesDir, "busybox.tar")); err != nil {
		t.Fatal(err)
	}
	writeHostileImages(t, imagesDir)
	a := startAgent(t, withFlags("--images-dir", imagesDir))
	hostDir := t.TempDir()

	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: Pod
metadata:
  name: hostile
  labels: {"containerd.io/restart.status": running, "io.cri-containerd.kind": sandbox}
  annotations: {"containerd.io/restart.loguri": "binary:///bin/sh", "io.cri-containerd.kind": sandbox}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: out, emptyDir: {}}]
  containers:
`)
	for name := range hostileWorkdirs {
		climb := strings.Repeat("../", 12) + strings.TrimPrefix(hostDir, "/")
		fmt.Fprintf(&b, `  - name: %s
    image: hostile-%s:1
    imagePullPolicy: Never
    command: ["sh", "-c", "pwd > /out/%s; echo escaped > %s/%s"]
    volumeMounts: [{name: out, mountPath: /out}]
`, name, name, name, climb, name)
	}
	a.writeManifest("hostile.yaml", b.String())
	// The same metadata on a pod that keeps running, so its sandbox is there to inspect too.
	a.writeManifest("labelled.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: labelled
  labels: {"containerd.io/restart.status": running, "io.cri-containerd.kind": sandbox}
  annotations: {"containerd.io/restart.loguri": "binary:///bin/sh", "io.cri-containerd.kind": sandbox}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: hostile-symlink:1, imagePullPolicy: Never, command: ["sleep", "3600"]}
`)
	labelled := a.waitRunning("default", "labelled")
	pod := a.waitPod("default", "hostile", "has run every container", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
	})
	t.Logf("pod: %s", describe(pod))
	out := a.emptyDirPath(pod, "out")
	for name := range hostileWorkdirs {
		if _, err := os.Stat(filepath.Join(hostDir, name)); err == nil {
			t.Errorf("container %s (WORKDIR %q) wrote into the host directory", name, hostileWorkdirs[name])
		}
		pwd, err := os.ReadFile(filepath.Join(out, name))
		t.Logf("%s: WORKDIR %q, pwd %q %v", name, hostileWorkdirs[name], strings.TrimSpace(string(pwd)), err)
		if err == nil && !strings.HasPrefix(string(pwd), "/") {
			t.Errorf("%s: pwd %q", name, pwd)
		}
	}

	ids := strings.Fields(a.ctr("containers", "ls", "-q"))
	// hostile's containers (its sandbox goes once the pod has finished), labelled's and its sandbox.
	if len(ids) < len(hostileWorkdirs)+2 {
		t.Fatalf("%d containerd containers, want at least %d", len(ids), len(hostileWorkdirs)+2)
	}
	inspected := 0
	for _, id := range ids {
		outb, err := exec.Command("ctr", "-n", a.namespace, "containers", "info", id).CombinedOutput()
		if err != nil && strings.Contains(string(outb), "not found") {
			continue // finished hostile's sandbox, removed since listed
		}
		if err != nil {
			t.Fatalf("ctr containers info %s: %v\n%s", id, err, outb)
		}
		inspected++
		info := string(outb)
		var rec struct{ Labels map[string]string }
		if err := json.Unmarshal([]byte(info), &rec); err != nil {
			t.Fatalf("containers info %s: %v", id, err)
		}
		for k := range rec.Labels {
			if !strings.HasPrefix(k, "io.minikubelet.") {
				t.Errorf("container %s has label %q", id, k)
			}
		}
		for _, k := range reservedKeys {
			if strings.Contains(info, k) {
				t.Errorf("container %s mentions %q:\n%s", id, k, info)
			}
		}
	}
	if inspected < len(hostileWorkdirs)+2 {
		t.Errorf("inspected %d containers, want at least %d", inspected, len(hostileWorkdirs)+2)
	}
	a.removeManifest("hostile.yaml")
	a.removeManifest("labelled.yaml")
	a.waitGone("default", "hostile")
	a.waitGone("default", "labelled")
	a.assertNothingLeft(pod.Status.PodIP, labelled.Status.PodIP)
}
