package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnescapeMountPath(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "/var/lib/minikubelet/pods", want: "/var/lib/minikubelet/pods"},
		{name: "space", in: `/mnt/my\040disk`, want: "/mnt/my disk"},
		{name: "tab and newline", in: `/a\011b\012c`, want: "/a\tb\nc"},
		{name: "backslash", in: `/a\134b`, want: `/a\b`},
		{name: "escape at the very end", in: `/a\040`, want: "/a "},
		{name: "several", in: `\040\040x`, want: "  x"},
		{name: "not octal kept", in: `/a\xyzb`, want: `/a\xyzb`},
		{name: "too short at the end kept", in: `/a\04`, want: `/a\04`},
		{name: "lone trailing backslash kept", in: `/a\`, want: `/a\`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unescapeMountPath(tc.in); got != tc.want {
				t.Errorf("unescapeMountPath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// pinFixture is a volume root and a place to pin into, under one temporary directory, with the
// pinned mount detached before the directory is removed.
type pinFixture struct {
	base, root, target string
}

func newPinFixture(t *testing.T) pinFixture {
	t.Helper()
	base := t.TempDir() // registered first, so its removal runs after the unmount below
	f := pinFixture{base: base, root: filepath.Join(base, "vol"), target: filepath.Join(base, "pins", "c", "0")}
	if err := os.Mkdir(f.root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unmountAll(f.target) })
	return f
}

func (f pinFixture) write(t *testing.T, rel, content string) {
	t.Helper()
	p := filepath.Join(f.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f pinFixture) symlink(t *testing.T, oldname, rel string) {
	t.Helper()
	p := filepath.Join(f.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(oldname, p); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(data)
}

func TestPinSubPath(t *testing.T) {
	requireRootE2E(t)
	tests := []struct {
		name    string
		setup   func(t *testing.T, f pinFixture)
		subPath string
		wantErr string // substring; "" for success
		check   func(t *testing.T, f pinFixture)
	}{
		{
			name:    "plain directory",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "data/marker", "volume") },
			subPath: "data",
			check: func(t *testing.T, f pinFixture) {
				if got := readString(t, filepath.Join(f.target, "marker")); got != "volume" {
					t.Errorf("pinned marker = %q, want volume", got)
				}
				// The pin is the volume's directory: writes through it land in the volume.
				if err := os.WriteFile(filepath.Join(f.target, "new"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				if got := readString(t, filepath.Join(f.root, "data", "new")); got != "x" {
					t.Errorf("write through the pin shows %q in the volume", got)
				}
			},
		},
		{
			name:    "nested directory with a trailing slash",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "a/b/marker", "deep") },
			subPath: "a/b/",
			check: func(t *testing.T, f pinFixture) {
				if got := readString(t, filepath.Join(f.target, "marker")); got != "deep" {
					t.Errorf("pinned marker = %q, want deep", got)
				}
			},
		},
		{
			name:    "missing subpath created as a directory",
			subPath: "new/deeper",
			check: func(t *testing.T, f pinFixture) {
				st, err := os.Lstat(filepath.Join(f.root, "new", "deeper"))
				if err != nil || !st.IsDir() {
					t.Fatalf("subpath in the volume: %v, %v; want a directory", st, err)
				}
				if err := os.WriteFile(filepath.Join(f.target, "f"), []byte("y"), 0o644); err != nil {
					t.Fatal(err)
				}
				if got := readString(t, filepath.Join(f.root, "new", "deeper", "f")); got != "y" {
					t.Errorf("write through the pin shows %q in the volume", got)
				}
			},
		},
		{
			name:    "file subpath",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "conf/app.conf", "key=value") },
			subPath: "conf/app.conf",
			check: func(t *testing.T, f pinFixture) {
				st, err := os.Stat(f.target)
				if err != nil || !st.Mode().IsRegular() {
					t.Fatalf("pin: %v, %v; want a regular file", st, err)
				}
				if got := readString(t, f.target); got != "key=value" {
					t.Errorf("pinned file = %q, want key=value", got)
				}
			},
		},
		{
			name: "symlink as a middle component refused, even inside the volume",
			setup: func(t *testing.T, f pinFixture) {
				f.write(t, "real/marker", "x")
				f.symlink(t, "real", "link")
			},
			subPath: "link/marker",
			wantErr: "symlink",
		},
		{
			name: "symlink as the last component refused",
			setup: func(t *testing.T, f pinFixture) {
				f.write(t, "real/marker", "x")
				f.symlink(t, filepath.Join(f.root, "real"), "link")
			},
			subPath: "link",
			wantErr: "symlink",
		},
		{
			name: "symlink out of the volume refused, nothing created outside",
			setup: func(t *testing.T, f pinFixture) {
				if err := os.Mkdir(filepath.Join(f.base, "outside"), 0o755); err != nil {
					t.Fatal(err)
				}
				f.symlink(t, filepath.Join(f.base, "outside"), "escape")
			},
			subPath: "escape/missing",
			wantErr: "symlink",
			check: func(t *testing.T, f pinFixture) {
				if _, err := os.Lstat(filepath.Join(f.base, "outside", "missing")); !os.IsNotExist(err) {
					t.Errorf("a directory was created outside the volume (lstat err %v)", err)
				}
			},
		},
		{
			name:    "leading .. refused",
			subPath: "../x",
			wantErr: "relative path inside the volume",
		},
		{
			name:    ".. climbing out from an existing directory refused",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "a/marker", "x") },
			subPath: "a/../../x",
			wantErr: "leaves the volume",
			check: func(t *testing.T, f pinFixture) {
				if _, err := os.Lstat(filepath.Join(f.base, "x")); !os.IsNotExist(err) {
					t.Errorf("something was created outside the volume (lstat err %v)", err)
				}
			},
		},
		{
			name:    ".. climbing out through a missing directory refused, nothing created outside",
			subPath: "missing/../../x",
			wantErr: "beneath the volume",
			check: func(t *testing.T, f pinFixture) {
				if _, err := os.Lstat(filepath.Join(f.base, "x")); !os.IsNotExist(err) {
					t.Errorf("something was created outside the volume (lstat err %v)", err)
				}
			},
		},
		{
			name:    "absolute path refused",
			subPath: "/etc",
			wantErr: "relative path inside the volume",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPinFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			err := pinSubPath(f.root, tc.subPath, f.target)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("pinSubPath(%q): %v", tc.subPath, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("pinSubPath(%q) succeeded, want an error with %q", tc.subPath, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("pinSubPath(%q) error %q, want it to contain %q", tc.subPath, err, tc.wantErr)
			}
			if tc.wantErr != "" {
				if n := mountCount(t, f.target); n != 0 {
					t.Errorf("%d mounts at the target after a refusal, want 0", n)
				}
			} else if n := mountCount(t, f.target); n != 1 {
				t.Errorf("%d mounts at the target, want 1", n)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// TestPinSubPathSwapAfterPinning: once pinned, replacing a path component with a symlink (the
// CVE-2017-1002101 race) does not change what the pinned mount shows.
func TestPinSubPathSwapAfterPinning(t *testing.T) {
	requireRootE2E(t)
	tests := []struct {
		name    string
		subPath string
		setup   func(t *testing.T, f pinFixture)
		swap    string // the volume entry replaced by a symlink to outside
		read    func(f pinFixture) string
	}{
		{
			name:    "directory",
			subPath: "data",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "data/marker", "volume") },
			swap:    "data",
			read:    func(f pinFixture) string { return filepath.Join(f.target, "marker") },
		},
		{
			name:    "parent of a file",
			subPath: "conf/marker",
			setup:   func(t *testing.T, f pinFixture) { f.write(t, "conf/marker", "volume") },
			swap:    "conf",
			read:    func(f pinFixture) string { return f.target },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPinFixture(t)
			tc.setup(t, f)
			outside := filepath.Join(f.base, "outside")
			if err := os.Mkdir(outside, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outside, "marker"), []byte("outside"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := pinSubPath(f.root, tc.subPath, f.target); err != nil {
				t.Fatalf("pinSubPath: %v", err)
			}
			// Swap: the pinned entry moves aside and a symlink out of the volume takes its name.
			if err := os.Rename(filepath.Join(f.root, tc.swap), filepath.Join(f.root, tc.swap+".old")); err != nil {
				t.Fatal(err)
			}
			f.symlink(t, outside, tc.swap)
			if got := readString(t, tc.read(f)); got != "volume" {
				t.Errorf("pinned mount shows %q after the swap, want the original volume content", got)
			}
			// A fresh pin of the same subPath now refuses the symlink.
			if err := pinSubPath(f.root, tc.subPath, f.target); err == nil || !strings.Contains(err.Error(), "symlink") {
				t.Errorf("re-pin after the swap: %v, want a symlink refusal", err)
			}
		})
	}
}

// TestPinSubPathRepin: pinning again onto the same target replaces the earlier mount instead of
// stacking another one (a container restarted many times must not pile up mounts).
func TestPinSubPathRepin(t *testing.T) {
	requireRootE2E(t)
	tests := []struct {
		name    string
		subPath string
		file    string
	}{
		{name: "directory", subPath: "data", file: "data/marker"},
		{name: "file", subPath: "data/marker", file: "data/marker"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPinFixture(t)
			f.write(t, tc.file, "v")
			for i := range 3 {
				if err := pinSubPath(f.root, tc.subPath, f.target); err != nil {
					t.Fatalf("pin %d: %v", i, err)
				}
			}
			if n := mountCount(t, f.target); n != 1 {
				t.Errorf("%d mounts at the target after three pins, want 1", n)
			}
		})
	}
}
