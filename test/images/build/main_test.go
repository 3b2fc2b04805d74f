package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		if os.Getenv("MINIKUBELET_E2E") == "1" {
			t.Fatalf("busybox-static is required: %v", err)
		}
		t.Skipf("no static busybox: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "new", "images")
	var stdout bytes.Buffer
	if err := run([]string{"-o", dir}, &stdout, io.Discard); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(stdout.String(), "busybox:1.35") {
		t.Errorf("stdout %q does not name the images", stdout.String())
	}
	first, err := os.ReadFile(filepath.Join(dir, archiveName))
	if err != nil {
		t.Fatalf("read archive: %v", err)
	}
	if err := run([]string{"-o", dir, "--busybox", "/bin/busybox"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("second run: %v", err)
	}
	second, err := os.ReadFile(filepath.Join(dir, archiveName))
	if err != nil {
		t.Fatalf("read archive: %v", err)
	}
	if !bytes.Equal(first, second) {
		t.Error("rebuilding the archive changed it")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("output directory holds %d files, want only %s", len(entries), archiveName)
	}
}

func TestRunFails(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no output directory", args: nil, wantErr: "-o DIR is required"},
		{name: "extra argument", args: []string{"-o", dir, "extra"}, wantErr: "unexpected arguments"},
		{name: "missing busybox", args: []string{"-o", dir, "--busybox", "/no/such/busybox"}, wantErr: "not found"},
		{name: "dynamic busybox", args: []string{"-o", dir, "--busybox", "/bin/ls"}, wantErr: "dynamically linked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left %d files behind", len(entries))
	}
}
