package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `minikubelet install --root DIR` lays out a host: the binary, the pause program, the unit and
// the directories; the installed binary finds its pause program; `uninstall` keeps the pods' data
// unless --purge.
func TestInstallUninstall(t *testing.T) {
	requireE2E(t)
	root := t.TempDir()
	run := func(bin string, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(built.agent, "install", "--root", root, "--pause-binary", built.pause)
	at := func(p string) string { return filepath.Join(root, p) }
	for _, p := range []string{
		"/usr/local/bin/minikubelet", "/usr/local/lib/minikubelet/pause", "/usr/local/lib/minikubelet/minikubelet-logger",
		"/etc/systemd/system/minikubelet.service", "/etc/minikubelet/config.yaml",
		"/etc/minikubelet/manifests", "/var/lib/minikubelet", "/var/log/pods",
	} {
		if _, err := os.Stat(at(p)); err != nil {
			t.Errorf("install did not create %s: %v", p, err)
		}
	}
	unit, _ := os.ReadFile(at("/etc/systemd/system/minikubelet.service"))
	if !strings.Contains(string(unit), "ExecStart=/usr/local/bin/minikubelet run --config /etc/minikubelet/config.yaml") {
		t.Errorf("unit:\n%s", unit)
	}
	if out := run(at("/usr/local/bin/minikubelet"), "version"); !strings.HasPrefix(out, "minikubelet ") {
		t.Errorf("installed binary: %q", out)
	}
	// The installed binary finds the pause program where install put it (../lib/minikubelet/pause)
	// without being told: installing from it works.
	root2 := t.TempDir()
	run(at("/usr/local/bin/minikubelet"), "install", "--root", root2)
	if _, err := os.Stat(filepath.Join(root2, "/usr/local/lib/minikubelet/pause")); err != nil {
		t.Errorf("the installed binary did not find its pause program: %v", err)
	}

	if err := os.WriteFile(at("/etc/minikubelet/manifests/web.yaml"), []byte(sleeperPod("web")), 0o644); err != nil {
		t.Fatal(err)
	}
	run(built.agent, "uninstall", "--root", root)
	for _, p := range []string{"/usr/local/bin/minikubelet", "/usr/local/lib/minikubelet", "/etc/systemd/system/minikubelet.service"} {
		if _, err := os.Stat(at(p)); err == nil {
			t.Errorf("uninstall left %s", p)
		}
	}
	for _, p := range []string{"/etc/minikubelet/manifests/web.yaml", "/var/lib/minikubelet"} {
		if _, err := os.Stat(at(p)); err != nil {
			t.Errorf("uninstall removed %s without --purge", p)
		}
	}
	run(built.agent, "uninstall", "--root", root, "--purge")
	for _, p := range []string{"/etc/minikubelet", "/var/lib/minikubelet", "/var/log/pods"} {
		if _, err := os.Stat(at(p)); err == nil {
			t.Errorf("uninstall --purge left %s", p)
		}
	}
}
