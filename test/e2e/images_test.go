package e2e

import (
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/images"
	"github.com/minikubelet/minikubelet/test/registry"
)

// Pulling is real: containerd's resolver against a registry on loopback.
func TestImagePull(t *testing.T) {
	imgs, err := images.Busybox(images.DefaultBusybox, "test/busybox:v1")
	if err != nil {
		t.Fatal(err)
	}
	// A file of its own makes its layers new to containerd: they must come over the wire.
	img := imgs[0]
	img.Files = append(img.Files, ociimage.File{Path: "/etc/pulled", Mode: 0o644, Data: []byte("from the registry\n")})
	reg, err := registry.Start(map[string]ociimage.Image{"test/busybox:v1": img})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	a := startAgent(t)

	pod := func(name, image, policy string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: %q, imagePullPolicy: %s, command: ["sleep", "3600"]}
`, name, image, policy)
	}
	a.writeManifest("pulled.yaml", pod("pulled", reg.Ref("test/busybox:v1"), "Always"))
	running := a.waitRunning("default", "pulled")
	if reg.ManifestRequests() == 0 {
		t.Error("the registry served no manifest: nothing was pulled")
	}
	if id := running.Status.ContainerStatuses[0].ImageID; !strings.HasPrefix(id, reg.Host()+"/test/busybox@sha256:") {
		t.Errorf("imageID %q", id)
	}
	// Small image: kubelet's smallest size label.
	if n, _ := sample(a.metrics(), "kubelet_image_pull_duration_seconds", map[string]string{"image_size_in_bytes": "0-10MB"}); n < 1 {
		t.Errorf("kubelet_image_pull_duration_seconds counts %v pulls, want at least 1", n)
	}

	a.writeManifest("missing.yaml", pod("missing", reg.Ref("test/nothing:v1"), "IfNotPresent"))
	a.waitPod("default", "missing", "cannot pull its image", func(p *v1.Pod) bool {
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff") && p.Status.Phase == v1.PodPending
	})
	a.waitPod("default", "missing", "backs off pulling", func(p *v1.Pod) bool {
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "ImagePullBackOff"
	})

	a.writeManifest("never.yaml", pod("never", "example.invalid/absent:v1", "Never"))
	a.waitPod("default", "never", "reports ErrImageNeverPull", func(p *v1.Pod) bool {
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "ErrImageNeverPull"
	})
}
