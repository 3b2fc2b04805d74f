package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestAllowedPrefix(t *testing.T) {
	prefixes := []string{"/srv/data", "/var/log"}
	for _, tc := range []struct {
		path, prefix, rel string
		ok                bool
	}{
		{"/srv/data", "/srv/data", ".", true},
		{"/srv/data/a/b", "/srv/data", "a/b", true},
		{"/srv/data/../etc", "", "", false},
		{"/srv/database", "", "", false},
		{"/var/log/", "/var/log", ".", true},
		{"/", "", "", false},
	} {
		prefix, rel, ok := allowedPrefix(prefixes, tc.path)
		if ok != tc.ok || prefix != tc.prefix || rel != tc.rel {
			t.Errorf("allowedPrefix(%q) = %q %q %v, want %q %q %v", tc.path, prefix, rel, ok, tc.prefix, tc.rel, tc.ok)
		}
	}
}

// Under --allowed-host-paths a hostPath outside the allowed directories is refused naming the
// field, and one inside is mounted pinned: a symlink leading out is refused, and an *OrCreate type
// creates nothing through such a symlink.
func TestSetupAllowedHostPaths(t *testing.T) {
	requireRootE2E(t)
	allowed := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "shadow"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(allowed, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"out": outside, "root": "/", "in": "data", "dangling": "nowhere", "loop": "loop"} {
		if err := os.Symlink(target, filepath.Join(allowed, name)); err != nil {
			t.Fatal(err)
		}
	}
	typ := func(t v1.HostPathType) *v1.HostPathType { return &t }
	tests := []struct {
		name string
		hp   v1.HostPathVolumeSource
		want string // error text; "" means mounted
	}{
		{name: "inside", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "data")}},
		{name: "symlink staying inside", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "in")}},
		{name: "create inside", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "new/dir"), Type: typ(v1.HostPathDirectoryOrCreate)}},
		{name: "outside", hp: v1.HostPathVolumeSource{Path: outside}, want: "not under --allowed-host-paths"},
		{name: "root", hp: v1.HostPathVolumeSource{Path: "/"}, want: "not under --allowed-host-paths"},
		{name: "dot-dot", hp: v1.HostPathVolumeSource{Path: allowed + "/data/../../" + filepath.Base(outside)}, want: "not under --allowed-host-paths"},
		{name: "symlink out", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "out")}, want: "leads out of the allowed host path"},
		{name: "symlink to /", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "root")}, want: "leads out of the allowed host path"},
		{name: "file through symlink out", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "out/shadow"), Type: typ(v1.HostPathFile)}, want: "leads out"},
		{name: "create through symlink out", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "out/made"), Type: typ(v1.HostPathDirectoryOrCreate)}, want: "create hostPath directory"},
		{name: "create file through symlink out", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "out/made.txt"), Type: typ(v1.HostPathFileOrCreate)}, want: "create hostPath file"},
		{name: "dangling", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "dangling")}, want: "no such file"},
		{name: "loop", hp: v1.HostPathVolumeSource{Path: filepath.Join(allowed, "loop")}, want: "too many levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			m, err := New(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			m.SetAllowedHostPaths([]string{allowed})
			t.Cleanup(func() {
				if err := m.Teardown("uid-1"); err != nil {
					t.Error(err)
				}
			})
			hp := tc.hp
			paths, err := m.Setup(podWithVolumes(v1.Volume{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &hp}}))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.volumes[0].hostPath") {
					t.Errorf("Setup = %v, want an error naming spec.volumes[0].hostPath and %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			if n := mountCount(t, paths["h"]); n != 1 {
				t.Errorf("%s: %d mounts, want the pinned one", paths["h"], n)
			}
		})
	}
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory outside holds %d entries, want only shadow: something was created through a symlink", len(entries))
	}
}
