package volume

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// requireRootE2E skips unless MINIKUBELET_E2E=1, and fails when it is set but the test cannot mount.
func requireRootE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("MINIKUBELET_E2E") != "1" {
		t.Skip("mounts: set MINIKUBELET_E2E=1 and run as root")
	}
	if os.Geteuid() != 0 {
		t.Fatal("MINIKUBELET_E2E=1 but not root: these tests mount")
	}
}

// unmountAll detaches every mount stacked on path, for t.Cleanup.
func unmountAll(path string) {
	for unix.Unmount(path, unix.MNT_DETACH) == nil {
	}
}

// mountCount is how many mounts /proc/self/mountinfo shows at exactly path.
func mountCount(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && unescapeMountPath(f[4]) == path {
			n++
		}
	}
	return n
}

func podWithVolumes(vols ...v1.Volume) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-1"},
		Spec: v1.PodSpec{Volumes: vols}}
}

func TestSetupEmptyDirOnDisk(t *testing.T) {
	tests := []struct {
		name string
		// before runs ahead of the first Setup, given the emptyDir's future path.
		before func(t *testing.T, path string)
	}{
		{name: "fresh"},
		{name: "unfinished directory of a crash is replaced", before: func(t *testing.T, path string) {
			if err := os.MkdirAll(filepath.Join(filepath.Dir(path), ".new-scratch"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			m, err := New(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			pod := podWithVolumes(v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}})
			want := filepath.Join(root, "uid-1", "volumes", "empty-dir", "scratch")
			if tc.before != nil {
				tc.before(t, want)
			}
			old := unix.Umask(0o022) // the mode must not depend on the agent's umask
			t.Cleanup(func() { unix.Umask(old) })

			paths, err := m.Setup(pod)
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			if !reflect.DeepEqual(paths, map[string]string{"scratch": want}) {
				t.Fatalf("Setup paths = %v, want scratch -> %s", paths, want)
			}
			st, err := os.Stat(want)
			if err != nil || !st.IsDir() {
				t.Fatalf("emptyDir not a directory: %v, %v", st, err)
			}
			if st.Mode().Perm() != 0o777 {
				t.Errorf("emptyDir mode %o, want 777", st.Mode().Perm())
			}

			// Idempotent: a second Setup keeps what the pod wrote.
			if err := os.WriteFile(filepath.Join(want, "data"), []byte("kept"), 0o644); err != nil {
				t.Fatal(err)
			}
			again, err := m.Setup(pod)
			if err != nil {
				t.Fatalf("second Setup: %v", err)
			}
			if !reflect.DeepEqual(again, paths) {
				t.Errorf("second Setup paths = %v, want %v", again, paths)
			}
			if data, err := os.ReadFile(filepath.Join(want, "data")); err != nil || string(data) != "kept" {
				t.Errorf("data after second Setup = %q, %v; want kept", data, err)
			}
		})
	}
}

func TestSetupVolumeKinds(t *testing.T) {
	tests := []struct {
		name    string
		vols    func(dir string) []v1.Volume
		want    func(root, dir string) map[string]string
		wantErr string
	}{
		{
			name: "emptyDir and hostPath",
			vols: func(dir string) []v1.Volume {
				return []v1.Volume{
					{Name: "cache", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
					{Name: "host", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: dir}}},
				}
			},
			want: func(root, dir string) map[string]string {
				return map[string]string{"cache": filepath.Join(root, "uid-1", "volumes", "empty-dir", "cache"), "host": dir}
			},
		},
		{
			name: "hostPath type check failure names the volume",
			vols: func(dir string) []v1.Volume {
				return []v1.Volume{{Name: "sock", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{
					Path: filepath.Join(dir, "missing.sock"), Type: ptr(v1.HostPathSocket)}}}}
			},
			wantErr: "spec.volumes[0].hostPath (sock)",
		},
		{
			name: "unsupported volume type",
			vols: func(string) []v1.Volume {
				return []v1.Volume{
					{Name: "ok", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
					{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{}}},
				}
			},
			wantErr: "spec.volumes[1] (cfg): volume type not supported",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, dir := t.TempDir(), t.TempDir()
			m, err := New(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Setup(podWithVolumes(tc.vols(dir)...))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Setup error %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			if want := tc.want(root, dir); !reflect.DeepEqual(got, want) {
				t.Errorf("Setup = %v, want %v", got, want)
			}
		})
	}
}

func TestSetupEmptyDirMemory(t *testing.T) {
	requireRootE2E(t)
	tests := []struct {
		name      string
		sizeLimit *resource.Quantity
		wantBytes uint64 // 0: do not check the size
	}{
		{name: "no size limit"},
		{name: "size limit", sizeLimit: ptr(resource.MustParse("4Mi")), wantBytes: 4 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			m, err := New(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(root, "uid-1", "volumes", "empty-dir", "mem")
			t.Cleanup(func() { unmountAll(path) })
			pod := podWithVolumes(v1.Volume{Name: "mem", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{
				Medium: v1.StorageMediumMemory, SizeLimit: tc.sizeLimit}}})
			for i := range 2 { // the second Setup must not stack another tmpfs
				if _, err := m.Setup(pod); err != nil {
					t.Fatalf("Setup %d: %v", i, err)
				}
			}
			var fs unix.Statfs_t
			if err := unix.Statfs(path, &fs); err != nil {
				t.Fatal(err)
			}
			if fs.Type != unix.TMPFS_MAGIC {
				t.Errorf("filesystem type %#x, want tmpfs", fs.Type)
			}
			if n := mountCount(t, path); n != 1 {
				t.Errorf("%d mounts at %s after two Setups, want 1", n, path)
			}
			if tc.wantBytes != 0 {
				if got := fs.Blocks * uint64(fs.Bsize); got != tc.wantBytes {
					t.Errorf("tmpfs size %d, want %d", got, tc.wantBytes)
				}
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o777 {
				t.Errorf("tmpfs root mode %o, want 777", st.Mode().Perm())
			}
			if err := m.Teardown("uid-1"); err != nil {
				t.Fatalf("Teardown: %v", err)
			}
			if n := mountCount(t, path); n != 0 {
				t.Errorf("%d mounts left at %s after Teardown", n, path)
			}
		})
	}
}
