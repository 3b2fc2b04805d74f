package manifest

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScannerRefusesUntrustedFiles checks that a manifest others could write is refused with its
// reason, that its pods go, and that --insecure-manifests reads it.
func TestScannerRefusesUntrustedFiles(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    string // in the FileError; "" means accepted
	}{
		{name: "0644 root", prepare: func(*testing.T, string) {}},
		{name: "0600 root", prepare: chmod(0o600)},
		{name: "group-writable", prepare: chmod(0o664), want: "mode 0664 lets group or others write it"},
		{name: "world-writable", prepare: chmod(0o646), want: "mode 0646 lets group or others write it"},
		{name: "owned by another user", prepare: func(t *testing.T, path string) {
			if os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			if err := os.Chown(path, 1234, 0); err != nil {
				t.Fatal(err)
			}
		}, want: "owned by uid 1234, not root"},
		{name: "symlink to a world-writable file", prepare: func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "elsewhere.yaml")
			if err := os.Rename(path, target); err != nil {
				t.Fatal(err)
			}
			chmod(0o666)(t, target)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}, want: "mode 0666 lets group or others write it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, insecure := range []bool{false, true} {
				dir := t.TempDir()
				path := filepath.Join(dir, "web.yaml")
				if err := os.WriteFile(path, []byte(podYAML("web", "nginx")), 0o644); err != nil {
					t.Fatal(err)
				}
				tc.prepare(t, path)
				sc := &scanner{dir: dir, nodeName: "node-1", insecure: insecure, log: slog.New(slog.DiscardHandler),
					prev: accepted{}, logged: map[FileError]bool{}}
				snap := sc.scan()
				if tc.want == "" || insecure {
					if names(snap) != "web" || len(snap.Errors) != 0 {
						t.Errorf("insecure=%v: snapshot %v, want pod web and no errors", insecure, snap)
					}
					continue
				}
				if len(snap.Pods) != 0 || len(snap.Errors) != 1 {
					t.Fatalf("snapshot %v, want one error and no pods", snap)
				}
				fe := snap.Errors[0]
				if fe.File != path || !strings.Contains(fe.Message, tc.want) || !strings.Contains(fe.Message, "--insecure-manifests") {
					t.Errorf("error %+v, want file %s and %q with the way out", fe, path, tc.want)
				}
			}
		})
	}
}

func chmod(mode os.FileMode) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
}
