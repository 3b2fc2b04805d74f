package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/minikubelet/minikubelet/deploy"
)

// The config file install writes is one `run` accepts, and it names what install put in place.
func TestInstalledConfigRuns(t *testing.T) {
	root, src := t.TempDir(), t.TempDir()
	binary, pause, logger := filepath.Join(src, "minikubelet"), filepath.Join(src, "pause"), filepath.Join(src, "minikubelet-logger")
	for _, p := range []string{binary, pause, logger} {
		if err := os.WriteFile(p, []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := deploy.Install(deploy.Options{Root: root, Prefix: "/usr", Binary: binary, Pause: pause, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	f, err := parseRunFlags([]string{"--config", filepath.Join(root, deploy.ConfigPath)})
	if err != nil {
		t.Fatalf("run refuses the installed config: %v", err)
	}
	if f.ManifestDir != deploy.ManifestDir || f.RootDir != deploy.StateDir || f.PauseBinary != "/usr/lib/minikubelet/pause" ||
		f.LoggerBinary != "/usr/lib/minikubelet/minikubelet-logger" {
		t.Errorf("installed config gives manifests %q, root %q, pause %q, logger %q", f.ManifestDir, f.RootDir, f.PauseBinary, f.LoggerBinary)
	}
}
