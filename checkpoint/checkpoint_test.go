package checkpoint

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

type record struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	for _, want := range []record{{Name: "a", Count: 1}, {Name: "b", Count: 2}} {
		if err := Write(path, want); err != nil {
			t.Fatal(err)
		}
		var got record
		if err := Read(path, &got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("read %+v, want %+v", got, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files in the dir, want only the checkpoint (no temp file left)", len(entries))
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	var r record
	if err := Read(filepath.Join(dir, "missing.json"), &r); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	torn := filepath.Join(dir, "torn.json")
	if err := os.WriteFile(torn, []byte(`{"name":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Read(torn, &r); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("torn file: %v, want a decode error", err)
	}
}

func TestWriteFailureKeepsOld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := Write(path, record{Name: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, func() {}); err == nil { // not encodable
		t.Fatal("Write of a func succeeded")
	}
	var got record
	if err := Read(path, &got); err != nil || got.Name != "old" {
		t.Errorf("after a failed write: %+v %v", got, err)
	}
}
