package images

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikubelet/minikubelet/ociimage"
)

// staticBusybox returns /bin/busybox, skipping the test when it is missing (failing it under
// MINIKUBELET_E2E=1, where busybox-static is a precondition).
func staticBusybox(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(DefaultBusybox); err != nil {
		if os.Getenv("MINIKUBELET_E2E") == "1" {
			t.Fatalf("busybox-static is required: %v", err)
		}
		t.Skipf("no static busybox (apt-get install busybox-static): %v", err)
	}
	return DefaultBusybox
}

func TestCheckStatic(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string // empty: static
	}{
		{name: "static busybox", path: staticBusybox(t)},
		{name: "dynamic binary", path: "/bin/ls", wantErr: "dynamically linked"},
		{name: "not ELF", path: notELF, wantErr: "not an ELF executable"},
		{name: "missing", path: "/no/such/busybox", wantErr: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStatic(tt.path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("CheckStatic(%s) = %v, want nil", tt.path, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("CheckStatic(%s) = %v, want an error containing %q", tt.path, err, tt.wantErr)
			}
		})
	}
}

func TestBusybox(t *testing.T) {
	imgs, err := Busybox(staticBusybox(t), BusyboxImage, BusyboxLatest)
	if err != nil {
		t.Fatalf("Busybox: %v", err)
	}
	if len(imgs) != 2 || imgs[0].Name != BusyboxImage || imgs[1].Name != BusyboxLatest {
		t.Fatalf("Busybox made %d images, want %s and %s", len(imgs), BusyboxImage, BusyboxLatest)
	}
	img := imgs[0]
	if got := img.Config.Cmd; len(got) != 1 || got[0] != "sh" {
		t.Errorf("Cmd = %q, want [sh]", got)
	}
	files := make(map[string]ociimage.File)
	for _, f := range img.Files {
		files[f.Path] = f
	}
	tests := []struct {
		path     string
		mode     fs.FileMode
		linkname string
		contains string
	}{
		{path: "/bin/busybox", mode: 0o755},
		{path: "/bin/sh", mode: fs.ModeSymlink | 0o777, linkname: "/bin/busybox"},
		{path: "/usr/sbin/httpd", mode: fs.ModeSymlink | 0o777, linkname: "/bin/busybox"},
		{path: "/bin/false", mode: fs.ModeSymlink | 0o777, linkname: "/bin/busybox"},
		{path: "/tmp", mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{path: "/root", mode: fs.ModeDir | 0o700},
		{path: "/home", mode: fs.ModeDir | 0o755},
		{path: "/var", mode: fs.ModeDir | 0o755},
		{path: "/usr/bin", mode: fs.ModeDir | 0o755},
		{path: "/etc/passwd", mode: 0o644, contains: "nobody:x:65534:65534:"},
		{path: "/etc/group", mode: 0o644, contains: "root:x:0:"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, ok := files[tt.path]
			if !ok {
				t.Fatalf("image lacks %s", tt.path)
			}
			if f.Mode != tt.mode || f.Linkname != tt.linkname || !strings.Contains(string(f.Data), tt.contains) {
				t.Fatalf("%s: mode %v link %q, want mode %v link %q holding %q", tt.path, f.Mode, f.Linkname, tt.mode, tt.linkname, tt.contains)
			}
		})
	}
	if _, err := ociimage.Build(img); err != nil {
		t.Fatalf("Build(busybox): %v", err)
	}
}

func TestBusyboxRejects(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		names   []string
		wantErr string
	}{
		{name: "no names", path: DefaultBusybox, wantErr: "no names"},
		{name: "dynamic binary", path: "/bin/ls", names: []string{"x:1"}, wantErr: "dynamically linked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Busybox(tt.path, tt.names...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Busybox error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
