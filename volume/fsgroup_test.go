package volume

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestSetOwnership(t *testing.T) {
	gid := int64(os.Getgid()) // a group the test may give files to without root
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	file := filepath.Join(sub, "f")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := setOwnership(root, gid); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		root: os.ModeSetgid | 0o070,
		sub:  os.ModeSetgid | 0o770,
		file: 0o660,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode()&want != want {
			t.Errorf("%s mode %v, want at least %v", path, info.Mode(), want)
		}
		if g := info.Sys().(*syscall.Stat_t).Gid; int64(g) != gid {
			t.Errorf("%s group %d, want %d", path, g, gid)
		}
	}
	// A second call finds the root right and leaves the rest alone.
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := setOwnership(root, gid); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Errorf("second pass changed %s: %v", file, info.Mode())
	}
}
