package cgroups

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A process left in a pod's container cgroup (a runc init whose task creation a containerd crash
// cut short) is killed when the pod's cgroup is removed, and the cgroup goes. This needs the host's
// real cgroups, so it runs with the integration tests.
func TestRemovePodKillsStrays(t *testing.T) {
	if os.Geteuid() != 0 || os.Getenv("MINIKUBELET_E2E") != "1" {
		t.Skip("set MINIKUBELET_E2E=1 and run as root: needs the host's cgroups")
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	root := "/minikubelet-strays-test-" + hex.EncodeToString(b)
	m, err := NewManager(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, dir := range m.host.Dirs(root) {
			if err := removeTree(dir); err != nil {
				t.Errorf("remove the test's cgroup root: %v", err)
			}
		}
	})
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "strays", UID: "strays-uid"}}
	podCgroup, err := m.EnsurePod(pod, v1.PodQOSBestEffort)
	if err != nil {
		t.Fatal(err)
	}
	ctr := path.Join(podCgroup, "ctr")
	if err := m.create(ctr); err != nil {
		t.Fatal(err)
	}
	stray := exec.Command("sleep", "3600")
	if err := stray.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- stray.Wait() }()
	t.Cleanup(func() { _ = stray.Process.Kill() })
	for _, dir := range m.host.Dirs(ctr) {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(stray.Process.Pid)), 0o644); err != nil {
			t.Fatalf("move the stray into %s: %v", dir, err)
		}
	}

	if err := m.RemovePod(pod.UID); err != nil {
		t.Fatalf("RemovePod with a stray in the pod's cgroup: %v", err)
	}
	err = <-exited
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("the stray ended with %v, want SIGKILL", err)
	}
	for _, dir := range m.host.Dirs(podCgroup) {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("pod cgroup %s still there: %v", dir, err)
		}
	}
}
