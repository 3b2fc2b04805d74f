package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// A non-loopback --address without a token file is refused before the agent does anything.
// With one, every request to the TCP port needs the token, the port still serves only the
// read-only endpoints (no logs, exec, events, errors or pprof), and oversized headers are refused.
// Manifest files others could write, or another user owns, are refused with the reason in the log
// and in /errors, while a pod beside them runs; made safe, they are read.
func TestSecurityAPIAndManifests(t *testing.T) {
	requireE2E(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Scaled(30*time.Second))
	defer cancel()
	// Unique names, so that were the check missing the agent would touch nothing shared.
	out, err := exec.CommandContext(ctx, built.agent, "run", "--address", "0.0.0.0",
		"--root-dir", filepath.Join(dir, "root"), "--pod-manifest-path", filepath.Join(dir, "manifests"),
		"--socket", filepath.Join(dir, "refused.sock"), "--containerd-namespace", "minikubelet-e2e-refused-"+hosttest.RandHex(t, 4),
		"--bridge-name", "mkle2e"+hosttest.RandHex(t, 2), "--read-only-port", fmt.Sprint(hosttest.FreePort(t)),
		"--cgroup-root", "/minikubelet-e2e-refused").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--authentication-token-file") {
		t.Fatalf("run --address 0.0.0.0 without a token: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "root")); err == nil {
		t.Error("the refused agent made its root dir")
	}

	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("e2e-"+hosttest.RandHex(t, 16)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(tokenFile)
	token := strings.TrimSpace(string(data))
	a := startAgent(t, withFlags("--address", "0.0.0.0", "--authentication-token-file", tokenFile))

	tcp := func(method, path string, header http.Header) int {
		req, err := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", a.port, path), nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	for _, path := range []string{"/pods", "/healthz", "/metrics"} {
		if code := tcp(http.MethodGet, path, nil); code != http.StatusUnauthorized {
			t.Errorf("TCP GET %s without the token = %d, want 401", path, code)
		}
		if code := tcp(http.MethodGet, path, http.Header{"Authorization": {"Bearer wrong"}}); code != http.StatusUnauthorized {
			t.Errorf("TCP GET %s with a wrong token = %d, want 401", path, code)
		}
		if code := tcp(http.MethodGet, path, bearer); code != http.StatusOK {
			t.Errorf("TCP GET %s with the token = %d, want 200", path, code)
		}
	}
	for _, path := range []string{"/errors", "/pods/default/x/events", "/containerLogs/default/x/c", "/debug/pprof/"} {
		if code := tcp(http.MethodGet, path, bearer); code != http.StatusNotFound {
			t.Errorf("TCP GET %s with the token = %d, want 404 (socket only)", path, code)
		}
	}
	if code := tcp(http.MethodPost, "/exec/default/x/c", bearer); code != http.StatusNotFound {
		t.Errorf("TCP POST /exec with the token = %d, want 404 (socket only)", code)
	}
	big := http.Header{"Authorization": {"Bearer " + token}, "X-Big": {strings.Repeat("a", 64<<10)}}
	if code := tcp(http.MethodGet, "/pods", big); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("TCP GET with a 64 KiB header = %d, want 431", code)
	}

	// Manifests: one good, one group-writable, one owned by another user.
	a.writeManifest("good.yaml", sleeperPod("good"))
	untrusted := map[string]func(path string) error{
		"loose.yaml": func(p string) error { return os.Chmod(p, 0o666) },
		"owned.yaml": func(p string) error { return os.Chown(p, 1234, 1234) },
	}
	for name, spoil := range untrusted {
		tmp := filepath.Join(a.manifests, "."+name+".tmp") // a dot file: not read
		if err := os.WriteFile(tmp, []byte(sleeperPod(strings.TrimSuffix(name, ".yaml"))), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := spoil(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(a.manifests, name)); err != nil {
			t.Fatal(err)
		}
	}
	good := a.waitRunning("default", "good")
	want := map[string]string{"loose.yaml": "mode 0666 lets group or others write it", "owned.yaml": "owned by uid 1234"}
	a.eventually("both untrusted manifests are refused", func() (bool, string) {
		found := 0
		var seen []string
		for _, fe := range a.manifestErrors() {
			seen = append(seen, fe.File+": "+fe.Message)
			if w, ok := want[filepath.Base(fe.File)]; ok && strings.Contains(fe.Message, w) {
				found++
			}
		}
		return found == len(want), strings.Join(seen, "; ")
	})
	for _, name := range []string{"loose", "owned"} {
		if p := a.pod("default", name); p != nil {
			t.Errorf("pod %s of an untrusted manifest exists: %s", name, describe(p))
		}
	}
	logged, _ := os.ReadFile(a.logPath)
	for _, w := range want {
		if !strings.Contains(string(logged), w) {
			t.Errorf("the agent's log lacks %q", w)
		}
	}
	// Made safe, they are read.
	if err := os.Chmod(filepath.Join(a.manifests, "loose.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(a.manifests, "owned.yaml"), 0, 0); err != nil {
		t.Fatal(err)
	}
	loose := a.waitRunning("default", "loose")
	owned := a.waitRunning("default", "owned")
	if p := a.pod("default", "good"); p == nil || p.UID != good.UID || p.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("the good pod was disturbed: %v", p)
	}
	for _, name := range []string{"good.yaml", "loose.yaml", "owned.yaml"} {
		a.removeManifest(name)
	}
	for _, name := range []string{"good", "loose", "owned"} {
		a.waitGone("default", name)
	}
	a.assertNothingLeft(good.Status.PodIP, loose.Status.PodIP, owned.Status.PodIP)
}
