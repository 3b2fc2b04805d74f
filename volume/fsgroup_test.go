package volume

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

func fsGroupPod(gid int64, vols ...v1.Volume) *v1.Pod {
	pod := podWithVolumes(vols...)
	pod.Spec.SecurityContext = &v1.PodSecurityContext{FSGroup: &gid}
	return pod
}

func statGroup(t *testing.T, path string) (os.FileMode, int64) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode(), int64(info.Sys().(*syscall.Stat_t).Gid)
}

func TestSetupEmptyDirFSGroup(t *testing.T) {
	gid := int64(os.Getgid()) + 1 // a group the files do not have yet (the test runs as root)
	if os.Geteuid() != 0 {
		gid = int64(os.Getgid())
	}
	root := t.TempDir()
	m, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	pod := fsGroupPod(gid, v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
	old := unix.Umask(0o022)
	t.Cleanup(func() { unix.Umask(old) })
	paths, err := m.Setup(pod)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	vol := paths["scratch"]
	mode, g := statGroup(t, vol)
	if want := os.ModeDir | os.ModeSetgid | 0o777; mode != want || g != gid {
		t.Errorf("fresh emptyDir: mode %v group %d, want %v group %d", mode, g, want, gid)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(vol), ".new-scratch")); !os.IsNotExist(err) {
		t.Errorf("temporary directory left: %v", err)
	}
}

// A container owns what is in its emptyDir: it can make any path there a symlink to a host file,
// or swap a directory for one while the agent works. The agent must never change anything below
// the volume's root once the containers can reach it (the fsGroup walk did, on every start).
func TestSetupEmptyDirLeavesContentsAlone(t *testing.T) {
	gid := int64(os.Getgid())
	root := t.TempDir()
	m, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	pod := fsGroupPod(gid, v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
	paths, err := m.Setup(pod)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	vol := paths["scratch"]

	// What the container did: a private file, a directory, symlinks to a "host" file and dir, and
	// the volume's root given back to another group and mode.
	host := t.TempDir()
	hostFile := filepath.Join(host, "shadow")
	if err := os.WriteFile(hostFile, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(vol, "private")
	if err := os.WriteFile(private, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(vol, "dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"to-file": hostFile, "to-dir": host, "dir/nested": hostFile} {
		if err := os.Symlink(target, filepath.Join(vol, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(vol, 0o700); err != nil {
		t.Fatal(err)
	}
	before := map[string]os.FileMode{}
	for _, p := range []string{vol, private, filepath.Join(vol, "dir"), hostFile, host} {
		before[p], _ = statGroup(t, p)
	}
	hostGidBefore := map[string]int64{}
	for _, p := range []string{hostFile, host} {
		_, hostGidBefore[p] = statGroup(t, p)
	}

	for i := range 3 { // every container start runs Setup
		if _, err := m.Setup(pod); err != nil {
			t.Fatalf("Setup %d: %v", i, err)
		}
	}
	for p, want := range before {
		if got, _ := statGroup(t, p); got != want {
			t.Errorf("%s: mode %v after Setup, want %v unchanged", p, got, want)
		}
	}
	for p, want := range hostGidBefore {
		if _, got := statGroup(t, p); got != want {
			t.Errorf("host %s: group %d after Setup, want %d unchanged", p, got, want)
		}
	}
}

func TestSetupEmptyDirMemoryFSGroup(t *testing.T) {
	requireRootE2E(t)
	gid := int64(4321)
	root := t.TempDir()
	m, err := New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "uid-1", "volumes", "empty-dir", "mem")
	t.Cleanup(func() { unmountAll(path) })
	pod := fsGroupPod(gid, v1.Volume{Name: "mem", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory}}})
	if _, err := m.Setup(pod); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	mode, g := statGroup(t, path)
	if want := os.ModeDir | os.ModeSetgid | 0o777; mode != want || g != gid {
		t.Errorf("tmpfs root: mode %v group %d, want %v group %d", mode, g, want, gid)
	}
	if err := m.Teardown("uid-1"); err != nil {
		t.Fatal(err)
	}
}
