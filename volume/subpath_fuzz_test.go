package volume

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// FuzzSubPathResolve builds a random tree of directories, files and symlinks (to anywhere: inside,
// outside, absolute, dangling, loops) in a volume from fuzz bytes, then resolves a random subPath
// in it as a container mount would. It checks: no panic; a resolution that succeeds names exactly
// root/Clean(subPath), so it went through no symlink and stayed in the volume; and, succeeding or
// not, nothing beside the volume was created or changed.
//
// The tree is one entry a line: "d path", "f path" or "l path target".
func FuzzSubPathResolve(f *testing.F) {
	f.Add("d a\nf a/b\nl c a", "a/b")
	f.Add("l a ../outside", "a/marker")
	f.Add("l a /", "a/etc")
	f.Add("l a a", "a/x")
	f.Add("d a\nl a/b ..\nl a/c ../../outside", "a/b/a/c")
	f.Add("d a", "a/../../outside/new")
	f.Add("l a ../outside", "a/new/deeper")
	f.Add("f file", "file/below")
	f.Add("d a", "a/../b/./c/")
	f.Add("", "..")

	f.Fuzz(func(t *testing.T, tree, subPath string) {
		base := testenv.MemTempDir(t)
		root := filepath.Join(base, "vol")
		outside := filepath.Join(base, "outside")
		for _, d := range []string{root, outside} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(outside, "marker"), []byte("host"), 0o644); err != nil {
			t.Fatal(err)
		}
		buildTree(t, root, tree)

		fd, err := openSubPath(root, subPath)
		if err == nil {
			got, rerr := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
			unix.Close(fd)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if want := filepath.Join(root, subPath); got != want {
				t.Fatalf("subPath %q in tree %q resolved to %s, want %s", subPath, tree, got, want)
			}
		}
		if names := dirNames(t, base); !slices.Equal(names, []string{"outside", "vol"}) {
			t.Fatalf("subPath %q in tree %q: beside the volume now %v", subPath, tree, names)
		}
		if names := dirNames(t, outside); !slices.Equal(names, []string{"marker"}) {
			t.Fatalf("subPath %q in tree %q: the directory outside now holds %v", subPath, tree, names)
		}
	})
}

// buildTree creates the tree's entries under root. An entry is skipped when its path leaves root or
// any of its parents exists as something other than a real directory: the builder itself must never
// follow a symlink out of the volume.
func buildTree(t *testing.T, root, tree string) {
	t.Helper()
	for _, line := range strings.Split(tree, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		rel := filepath.Clean(fields[1])
		if !filepath.IsLocal(rel) || !parentsAreDirs(root, rel) {
			continue
		}
		p := filepath.Join(root, rel)
		var err error
		switch {
		case fields[0] == "d":
			err = os.Mkdir(p, 0o755)
		case fields[0] == "f":
			err = os.WriteFile(p, nil, 0o644) // p is no symlink: parentsAreDirs checked it
		case fields[0] == "l" && len(fields) > 2:
			err = os.Symlink(fields[2], p)
		}
		if err != nil && !os.IsExist(err) && !strings.Contains(err.Error(), "is a directory") {
			t.Logf("tree entry %q: %v", line, err)
		}
	}
}

// parentsAreDirs creates rel's missing parents under root and reports whether each is a real
// directory, and rel itself no symlink.
func parentsAreDirs(root, rel string) bool {
	parts := strings.Split(rel, string(filepath.Separator))
	p := root
	for i, part := range parts {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		last := i == len(parts)-1
		switch {
		case os.IsNotExist(err) && last:
			return true
		case os.IsNotExist(err):
			if err := os.Mkdir(p, 0o755); err != nil {
				return false
			}
		case err != nil:
			return false
		case last:
			return st.Mode()&os.ModeSymlink == 0
		case !st.IsDir():
			return false
		}
	}
	return true
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
