package volume

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// firstBlockDevice finds a block device under /dev, or "" if the machine shows none.
func firstBlockDevice(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("/dev")
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if e.Type()&os.ModeDevice != 0 && e.Type()&os.ModeCharDevice == 0 {
			return filepath.Join("/dev", e.Name())
		}
	}
	return ""
}

func TestCheckHostPath(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string) string { return filepath.Join(dir, name) }
	if err := os.Mkdir(mk("dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mk("file"), []byte("content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(mk("dir"), mk("link-to-dir")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", mk("sock"))
	if err != nil {
		t.Fatalf("make a unix socket: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	blockDev := firstBlockDevice(t)

	type check func(t *testing.T, path string)
	isDir := func(t *testing.T, path string) {
		st, err := os.Stat(path)
		if err != nil || !st.IsDir() {
			t.Errorf("%s: want a directory, stat = %v, %v", path, st, err)
		}
	}
	isEmptyFile := func(t *testing.T, path string) {
		st, err := os.Stat(path)
		if err != nil || !st.Mode().IsRegular() || st.Size() != 0 {
			t.Errorf("%s: want an empty file, stat = %v, %v", path, st, err)
		}
	}
	hasContent := func(t *testing.T, path string) {
		data, err := os.ReadFile(path)
		if err != nil || string(data) != "content" {
			t.Errorf("%s: content %q, %v; want it untouched", path, data, err)
		}
	}
	absent := func(t *testing.T, path string) {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s: want nothing created, lstat err = %v", path, err)
		}
	}

	tests := []struct {
		name     string
		typ      *v1.HostPathType // nil: unset
		path     string
		needs    string // a fixture that may be missing from this machine
		wantErr  string // substring; "" for success
		wantPath check
	}{
		{name: "unset: anything goes", path: mk("file")},
		{name: "unset: a missing path is not created", path: mk("unset-missing"), wantPath: absent},
		{name: "empty string type is unset", typ: ptr(v1.HostPathUnset), path: mk("empty-type-missing"), wantPath: absent},

		{name: "DirectoryOrCreate: missing is created", typ: ptr(v1.HostPathDirectoryOrCreate),
			path: mk("new-dir/nested"), wantPath: isDir},
		{name: "DirectoryOrCreate: existing directory", typ: ptr(v1.HostPathDirectoryOrCreate), path: mk("dir"), wantPath: isDir},
		{name: "DirectoryOrCreate: a file is refused", typ: ptr(v1.HostPathDirectoryOrCreate),
			path: mk("file"), wantErr: "is not a directory", wantPath: hasContent},

		{name: "Directory: existing", typ: ptr(v1.HostPathDirectory), path: mk("dir")},
		{name: "Directory: through a symlink", typ: ptr(v1.HostPathDirectory), path: mk("link-to-dir")},
		{name: "Directory: missing", typ: ptr(v1.HostPathDirectory), path: mk("no-dir"),
			wantErr: "does not exist", wantPath: absent},
		{name: "Directory: a file is refused", typ: ptr(v1.HostPathDirectory), path: mk("file"), wantErr: "is not a directory"},

		{name: "FileOrCreate: missing is created empty", typ: ptr(v1.HostPathFileOrCreate),
			path: mk("new-file"), wantPath: isEmptyFile},
		{name: "FileOrCreate: existing file left alone", typ: ptr(v1.HostPathFileOrCreate),
			path: mk("file"), wantPath: hasContent},
		{name: "FileOrCreate: a directory is refused", typ: ptr(v1.HostPathFileOrCreate), path: mk("dir"), wantErr: "is not a file"},
		{name: "FileOrCreate: the parent is not created", typ: ptr(v1.HostPathFileOrCreate),
			path: mk("no-parent/file"), wantErr: "create hostPath file", wantPath: absent},

		{name: "File: existing", typ: ptr(v1.HostPathFile), path: mk("file")},
		{name: "File: missing", typ: ptr(v1.HostPathFile), path: mk("no-file"), wantErr: "does not exist", wantPath: absent},
		{name: "File: a directory is refused", typ: ptr(v1.HostPathFile), path: mk("dir"), wantErr: "is not a file"},
		{name: "File: a socket is refused", typ: ptr(v1.HostPathFile), path: mk("sock"), wantErr: "is not a file"},

		{name: "Socket: existing", typ: ptr(v1.HostPathSocket), path: mk("sock")},
		{name: "Socket: a file is refused", typ: ptr(v1.HostPathSocket), path: mk("file"), wantErr: "is not a socket"},
		{name: "Socket: missing", typ: ptr(v1.HostPathSocket), path: mk("no-sock"), wantErr: "does not exist"},

		{name: "CharDevice: /dev/null", typ: ptr(v1.HostPathCharDev), path: "/dev/null"},
		{name: "CharDevice: a file is refused", typ: ptr(v1.HostPathCharDev), path: mk("file"), wantErr: "is not a character device"},
		{name: "CharDevice: a block device is refused", typ: ptr(v1.HostPathCharDev), path: blockDev, needs: "block device",
			wantErr: "is not a character device"},
		{name: "CharDevice: missing", typ: ptr(v1.HostPathCharDev), path: mk("no-dev"), wantErr: "does not exist"},

		{name: "BlockDevice: existing", typ: ptr(v1.HostPathBlockDev), path: blockDev, needs: "block device"},
		{name: "BlockDevice: a character device is refused", typ: ptr(v1.HostPathBlockDev), path: "/dev/null",
			wantErr: "is not a block device"},
		{name: "BlockDevice: a directory is refused", typ: ptr(v1.HostPathBlockDev), path: mk("dir"), wantErr: "is not a block device"},
		{name: "BlockDevice: missing", typ: ptr(v1.HostPathBlockDev), path: mk("no-blk"), wantErr: "does not exist"},

		{name: "unknown type", typ: ptr(v1.HostPathType("Pipe")), path: mk("file"), wantErr: `unknown hostPath type "Pipe"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path == "" {
				t.Skipf("no %s on this machine", tc.needs)
			}
			err := checkHostPath(&v1.HostPathVolumeSource{Path: tc.path, Type: tc.typ})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("checkHostPath: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("checkHostPath succeeded, want an error with %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("checkHostPath error %q, want it to contain %q", err, tc.wantErr)
			}
			if tc.wantPath != nil {
				tc.wantPath(t, tc.path)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
