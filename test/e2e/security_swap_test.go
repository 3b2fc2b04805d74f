package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/minikubelet/minikubelet/test/testenv"
	"github.com/minikubelet/minikubelet/volume"
)

// swapper exchanges a directory and a symlink to the secret directory, atomically and without
// pause, until stopped: whoever resolves the path sees one or the other at any instant.
type swapper struct {
	a, b   string
	cancel context.CancelFunc
	done   chan struct{}
	swaps  int
	err    error
}

func startSwapper(a, b string) *swapper {
	ctx, cancel := context.WithCancel(context.Background())
	s := &swapper{a: a, b: b, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for ctx.Err() == nil {
			if err := unix.Renameat2(unix.AT_FDCWD, s.a, unix.AT_FDCWD, s.b, unix.RENAME_EXCHANGE); err != nil {
				s.err = err
				return
			}
			s.swaps++
		}
	}()
	return s
}

func (s *swapper) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	<-s.done
	if s.err != nil {
		t.Fatalf("swap %s and %s: %v", s.a, s.b, s.err)
	}
}

// The agent's volume code (the same the agent runs, on the real kernel) sets up a subPath and a
// confined hostPath while another thread swaps a path component between a directory and a symlink
// to a secret directory, as a container sharing the volume could (CVE-2021-25741). Each attempt is
// either refused or mounts the directory; none mounts the secret or creates anything in it.
func TestSecuritySymlinkSwapStress(t *testing.T) {
	requireE2E(t)
	n := testenv.Count(100, 1000)
	f := newHostPathFixture(t)
	for _, dir := range []string{"vol/sub", "vol/hp"} {
		if err := os.MkdirAll(filepath.Join(f.allowed, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.allowed, dir, "mine"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(f.secret, filepath.Join(f.allowed, dir+".alt")); err != nil {
			t.Fatal(err)
		}
	}
	m, err := volume.New(filepath.Join(t.TempDir(), "pods"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m.SetAllowedHostPaths([]string{f.allowed})
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "swap", Namespace: "default", UID: "swap-uid"},
		Spec: v1.PodSpec{Volumes: []v1.Volume{
			{Name: "vol", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: filepath.Join(f.allowed, "vol")}}},
			{Name: "hp", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: filepath.Join(f.allowed, "vol", "hp")}}},
		}}}
	c := &v1.Container{Name: "main", VolumeMounts: []v1.VolumeMount{{Name: "vol", MountPath: "/v", SubPath: "sub"}}}
	t.Cleanup(func() {
		if err := m.Teardown(pod.UID); err != nil {
			t.Error(err)
		}
	})

	// confined tells whether a mounted path shows the directory, not the secret.
	confined := func(path string) bool {
		_, errMine := os.Stat(filepath.Join(path, "mine"))
		_, errShadow := os.Stat(filepath.Join(path, "shadow"))
		return errMine == nil && errors.Is(errShadow, os.ErrNotExist)
	}
	counts := map[string]int{}
	count := func(what string) { counts[what]++ }

	start := time.Now()
	subSwap := startSwapper(filepath.Join(f.allowed, "vol/sub"), filepath.Join(f.allowed, "vol/sub.alt"))
	hpSwap := startSwapper(filepath.Join(f.allowed, "vol/hp"), filepath.Join(f.allowed, "vol/hp.alt"))
	for i := range n {
		// A second mount makes a fresh directory below the swapped one each time (kubelet's
		// TestSafeMakeDir): it must land in the directory or be refused, never in the secret.
		c.VolumeMounts = append(c.VolumeMounts[:1], v1.VolumeMount{Name: "vol", MountPath: "/made", SubPath: fmt.Sprintf("sub/made-%d", i)})
		paths, err := m.Setup(pod)
		switch {
		case err != nil:
			count("hostPath refused")
		case confined(paths["hp"]):
			count("hostPath confined")
		default:
			t.Errorf("the hostPath mount %s shows the secret", paths["hp"])
			count("hostPath escaped")
		}
		if err != nil {
			continue
		}
		mounts, err := m.ContainerMounts(pod, c, paths)
		switch {
		case err != nil:
			count("subPath refused")
		case confined(mounts[0].HostPath):
			count("subPath confined")
		default:
			t.Errorf("the subPath mount %s shows the secret", mounts[0].HostPath)
			count("subPath escaped")
		}
	}
	subSwap.stop(t)
	hpSwap.stop(t)
	t.Logf("%d attempts in %v while the paths were swapped %d and %d times: %v", n, time.Since(start).Round(time.Millisecond),
		subSwap.swaps, hpSwap.swaps, counts)
	// Settled with the directories in place, both mount it: the refusals above were the swaps'.
	for _, s := range []*swapper{subSwap, hpSwap} {
		if info, err := os.Lstat(s.a); err == nil && info.Mode()&os.ModeSymlink != 0 {
			if err := unix.Renameat2(unix.AT_FDCWD, s.a, unix.AT_FDCWD, s.b, unix.RENAME_EXCHANGE); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths, err := m.Setup(pod)
	if err != nil || !confined(paths["hp"]) {
		t.Fatalf("settled hostPath: %v %v", paths, err)
	}
	if mounts, err := m.ContainerMounts(pod, c, paths); err != nil || !confined(mounts[0].HostPath) {
		t.Fatalf("settled subPath: %v %v", mounts, err)
	}
	f.secretUntouched(t)
}
