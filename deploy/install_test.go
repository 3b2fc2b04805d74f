package deploy

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// programs makes stand-ins for the minikubelet binary and the pause program.
func programs(t *testing.T) (binary, pause, logger string) {
	t.Helper()
	dir := t.TempDir()
	binary, pause, logger = filepath.Join(dir, "minikubelet"), filepath.Join(dir, "pause"), filepath.Join(dir, "minikubelet-logger")
	for p, content := range map[string]string{binary: "agent v1", pause: "pause", logger: "logger"} {
		if err := os.WriteFile(p, []byte(content), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return binary, pause, logger
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func TestInstallAndUninstall(t *testing.T) {
	root := t.TempDir()
	binary, pause, logger := programs(t)
	var out bytes.Buffer
	opts := Options{Root: root, Prefix: "/opt/mk", Binary: binary, Pause: pause, Logger: logger, Out: &out}
	if err := Install(opts); err != nil {
		t.Fatal(err)
	}
	at := func(p string) string { return filepath.Join(root, p) }

	for path, want := range map[string]fs.FileMode{
		"/opt/mk/bin/minikubelet":                    0o755,
		"/opt/mk/lib/minikubelet/pause":              0o755,
		"/opt/mk/lib/minikubelet/minikubelet-logger": 0o755,
		UnitPath:    0o644,
		ConfigPath:  0o644,
		ManifestDir: fs.ModeDir | 0o755,
		StateDir:    fs.ModeDir | 0o700,
		PodLogsDir:  fs.ModeDir | 0o755,
	} {
		if got := mode(t, at(path)); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	unitText, _ := os.ReadFile(at(UnitPath))
	for _, want := range []string{
		"ExecStart=/opt/mk/bin/minikubelet run --config /etc/minikubelet/config.yaml\n",
		"Type=notify\n", "KillMode=process\n", "Restart=always\n", "Delegate=yes\n", "WatchdogSec=",
	} {
		if !strings.Contains(string(unitText), want) {
			t.Errorf("unit lacks %q:\n%s", want, unitText)
		}
	}
	config, _ := os.ReadFile(at(ConfigPath))
	if !strings.Contains(string(config), "pauseBinary: /opt/mk/lib/minikubelet/pause\n") {
		t.Errorf("config does not name the installed pause program:\n%s", config)
	}

	// Installing again replaces the programs and keeps an edited config.
	if err := os.WriteFile(at(ConfigPath), []byte("readOnlyPort: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binary, []byte("agent v2"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Install(opts); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(at("/opt/mk/bin/minikubelet")); string(got) != "agent v2" {
		t.Errorf("binary not replaced: %q", got)
	}
	if got, _ := os.ReadFile(at(ConfigPath)); string(got) != "readOnlyPort: 1\n" {
		t.Errorf("the edited config was overwritten: %q", got)
	}
	if leftovers, _ := filepath.Glob(at("/opt/mk/bin/.*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// The pods' data: a manifest, state, a log.
	for _, p := range []string{ManifestDir + "/web.yaml", StateDir + "/pods/uid/checkpoint.json", PodLogsDir + "/ns_web_uid/c/0.log"} {
		if err := os.MkdirAll(filepath.Dir(at(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(at(p), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Uninstall(Options{Root: root, Prefix: "/opt/mk", Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"/opt/mk/bin/minikubelet", "/opt/mk/lib/minikubelet", UnitPath} {
		if exists(at(gone)) {
			t.Errorf("%s left after uninstall", gone)
		}
	}
	for _, kept := range []string{ConfigPath, ManifestDir + "/web.yaml", StateDir + "/pods/uid/checkpoint.json", PodLogsDir + "/ns_web_uid/c/0.log"} {
		if !exists(at(kept)) {
			t.Errorf("uninstall removed %s without --purge", kept)
		}
	}
	// --purge refuses while a pod has state, removing nothing.
	err := Uninstall(Options{Root: root, Prefix: "/opt/mk", Purge: true, Out: &out})
	if err == nil || !strings.Contains(err.Error(), "pods still exist") || !strings.Contains(err.Error(), "/pods/uid") {
		t.Fatalf("uninstall --purge with a pod on record: %v", err)
	}
	if !exists(at(StateDir + "/pods/uid/checkpoint.json")) {
		t.Fatal("a refused purge removed the pod's state")
	}
	// Once the pod is gone, uninstalling twice is fine and --purge takes the data too.
	if err := os.RemoveAll(at(StateDir + "/pods/uid")); err != nil {
		t.Fatal(err)
	}
	if err := Uninstall(Options{Root: root, Prefix: "/opt/mk", Purge: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{ConfigDir, StateDir, PodLogsDir} {
		if exists(at(gone)) {
			t.Errorf("%s left after uninstall --purge", gone)
		}
	}
}

func TestInstallNeedsPrograms(t *testing.T) {
	if err := Install(Options{Root: t.TempDir()}); err == nil {
		t.Error("install without programs succeeded")
	}
	binary, _, logger := programs(t)
	if err := Install(Options{Root: t.TempDir(), Binary: binary, Pause: "/nonexistent/pause", Logger: logger}); err == nil || !strings.Contains(err.Error(), "/nonexistent/pause") {
		t.Errorf("install with a missing pause program: %v", err)
	}
}

func TestShippedUnit(t *testing.T) {
	text, err := unit("/usr/bin/minikubelet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "ExecStart=/usr/bin/minikubelet run ") || strings.Contains(text, "/usr/local/bin/minikubelet") {
		t.Errorf("ExecStart not rewritten:\n%s", text)
	}
}
