package server

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "mk.sock")
	// A stale socket file, as an agent that was killed leaves it.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	s := New(Config{Logger: testLogger(t), Socket: path}, &fakeSource{})
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", st.Mode())
	}

	// A second agent must not take a live socket over.
	other := New(Config{Logger: testLogger(t), Socket: path}, &fakeSource{})
	if err := other.Listen(); err == nil || !strings.Contains(err.Error(), "another agent") {
		t.Errorf("second Listen: %v, want another agent serves", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left after Serve: %v", err)
	}
}

func TestSocketDirectoryIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	ln, err := listenSocket(filepath.Join(dir, "mk.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode %v, want 0700", st.Mode().Perm())
	}
}

func TestSocketPathTooLong(t *testing.T) {
	path := filepath.Join(t.TempDir(), strings.Repeat("x", 120)+".sock")
	if _, err := listenSocket(path); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("listenSocket(long path) = %v", err)
	}
}
