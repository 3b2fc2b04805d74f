package ociimage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteArchiveFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.tar")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteArchiveFile(path, testImage()); err != nil {
		t.Fatalf("WriteArchiveFile: %v", err)
	}
	var want bytes.Buffer
	if err := WriteArchive(&want, testImage()); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("the file does not hold the archive")
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("file mode = %v (%v), want 0644", info.Mode(), err)
	}

	bad := testImage()
	bad.Files = append(bad.Files, File{Path: "relative"})
	if err := WriteArchiveFile(path, bad); err == nil {
		t.Fatal("WriteArchiveFile of a bad image succeeded")
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Error("a failed write changed the existing file")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only app.tar (no temporary file left)", len(entries))
	}
}
