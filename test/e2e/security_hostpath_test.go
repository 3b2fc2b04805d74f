package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// hostPathFixture is a host directory the agent may mount from (allowed) and one it may not
// (secret, holding "shadow"). allowed holds data/note, and symlinks leading out (to secret and to
// /), one in a loop and one dangling.
type hostPathFixture struct{ allowed, secret string }

func newHostPathFixture(t *testing.T) hostPathFixture {
	t.Helper()
	f := hostPathFixture{allowed: t.TempDir(), secret: t.TempDir()}
	if err := os.WriteFile(filepath.Join(f.secret, "shadow"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(f.allowed, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.allowed, "data", "note"), []byte("allowed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"out": f.secret, "root": "/", "loop": "loop", "dangling": "nowhere",
		"data/up": "../..", "data/root": "/"} {
		if err := os.Symlink(target, filepath.Join(f.allowed, name)); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// secretUntouched fails the test if anything but shadow appeared in the secret directory, or
// shadow changed.
func (f hostPathFixture) secretUntouched(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(f.secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the secret directory holds %d entries, want shadow alone", len(entries))
	}
	if data, err := os.ReadFile(filepath.Join(f.secret, "shadow")); err != nil || string(data) != "secret\n" {
		t.Errorf("shadow: %q %v", data, err)
	}
}

// Under --allowed-host-paths, hostPath volumes outside the allowed directory, or leading out of it
// through a symlink, are refused naming the field; `..` in a hostPath or subPath is refused by
// validation; subPaths through a symlink to /, a loop or a dangling link are refused. Each refused
// container is never created, and the secret directory is neither read nor written.
func TestSecurityHostPathConfined(t *testing.T) {
	f := newHostPathFixture(t)
	a := startAgent(t, withFlags("--allowed-host-paths", f.allowed))
	hostPathPod := func(name, path, subPath string) string {
		sub := ""
		if subPath != "" {
			sub = fmt.Sprintf(", subPath: %q", subPath)
		}
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "cat /h/note /h/shadow; echo stolen > /h/written; sleep 3600"]
    volumeMounts: [{name: h, mountPath: /h%s}]
  volumes:
  - {name: h, hostPath: {path: %q}}
`, name, sub, path)
	}
	// Refused when the volume is set up (CreateContainerConfigError), by what message.
	refused := map[string]struct{ path, subPath, want string }{
		"outside":    {f.secret, "", "not under --allowed-host-paths"},
		"slash":      {"/", "", "not under --allowed-host-paths"},
		"link-out":   {filepath.Join(f.allowed, "out"), "", "leads out of the allowed host path"},
		"link-root":  {filepath.Join(f.allowed, "root"), "", "leads out of the allowed host path"},
		"link-up":    {filepath.Join(f.allowed, "data", "up"), "", "leads out of the allowed host path"},
		"loop":       {filepath.Join(f.allowed, "loop"), "", "too many levels of symbolic links"},
		"dangling":   {filepath.Join(f.allowed, "dangling"), "", "no such file"},
		"sub-root":   {filepath.Join(f.allowed, "data"), "root", "symlink"},
		"sub-up":     {filepath.Join(f.allowed, "data"), "up", "symlink"},
		"sub-loop":   {f.allowed, "loop", "symlink"},
		"sub-dangle": {f.allowed, "dangling", "symlink"},
	}
	// Refused by validation: a file error in /errors naming the field.
	invalid := map[string]struct{ path, subPath, field string }{
		"dotdot":     {f.allowed + "/data/../../" + filepath.Base(f.secret), "", "spec.volumes[0].hostPath.path"},
		"sub-dotdot": {filepath.Join(f.allowed, "data"), "../../" + filepath.Base(f.secret), "spec.containers[0].volumeMounts[0].subPath"},
	}
	a.writeManifest("inside.yaml", hostPathPod("inside", filepath.Join(f.allowed, "data"), ""))
	for name, c := range refused {
		a.writeManifest(name+".yaml", hostPathPod(name, c.path, c.subPath))
	}
	for name, c := range invalid {
		a.writeManifest(name+".yaml", hostPathPod(name, c.path, c.subPath))
	}

	inside := a.waitRunning("default", "inside")
	a.eventually("the container in the allowed directory wrote there", func() (bool, string) {
		_, err := os.Stat(filepath.Join(f.allowed, "data", "written"))
		return err == nil, fmt.Sprint(err)
	})
	var podIPs []string
	for name, c := range refused {
		p := a.waitPod("default", name, "is refused its volume", func(p *v1.Pod) bool {
			w := p.Status.ContainerStatuses[0].State.Waiting
			return w != nil && w.Reason == "CreateContainerConfigError"
		})
		cs := p.Status.ContainerStatuses[0]
		if !strings.Contains(cs.State.Waiting.Message, c.want) {
			t.Errorf("%s: message %q lacks %q", name, cs.State.Waiting.Message, c.want)
		}
		if c.subPath == "" && !strings.Contains(cs.State.Waiting.Message, "spec.volumes[0].hostPath") {
			t.Errorf("%s: message %q does not name the field", name, cs.State.Waiting.Message)
		}
		if cs.ContainerID != "" {
			t.Errorf("%s: a container was created", name)
		}
		podIPs = append(podIPs, p.Status.PodIP)
	}
	a.eventually("the invalid manifests are refused naming the field", func() (bool, string) {
		var seen []string
		found := 0
		for _, fe := range a.manifestErrors() {
			seen = append(seen, fe.Error())
			name := strings.TrimSuffix(filepath.Base(fe.File), ".yaml")
			if c, ok := invalid[name]; ok && strings.Contains(fe.Error(), c.field) {
				found++
			}
		}
		return found == len(invalid), strings.Join(seen, "; ")
	})
	f.secretUntouched(t)

	a.removeManifest("inside.yaml")
	for name := range refused {
		a.removeManifest(name + ".yaml")
	}
	for name := range invalid {
		a.removeManifest(name + ".yaml")
	}
	a.waitGone("default", "inside")
	for name := range refused {
		a.waitGone("default", name)
	}
	a.assertNothingLeft(append(podIPs, inside.Status.PodIP)...)
	f.secretUntouched(t)
}
