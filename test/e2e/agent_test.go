package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// waitTimeout bounds every wait for the agent to converge.
var waitTimeout = testenv.Scaled(90 * time.Second)

// agent is a minikubelet process run by a test, with its own root dir, containerd namespace,
// bridge, pod CIDR and API port, so tests never meet each other's or a real agent's pods.
type agent struct {
	t         *testing.T
	root      string
	manifests string
	namespace string
	bridge    string
	cidr      *net.IPNet
	port      int    // the read-only TCP API
	socket    string // the full API
	logPath   string
	cmd       *exec.Cmd
	exited    chan error
	netnsBase []string // mkl-* netns present before the agent started
	extraArgs []string // more flags for `minikubelet run`
	env       []string // more environment for `minikubelet run`

	cgroupRoot string // the agent's --cgroup-root, so its kubepods and pod cgroups are its own
}

// agentOption changes how startAgent runs the agent.
type agentOption func(*agent)

// withEnv sets environment variables ("K=V") for `minikubelet run`.
func withEnv(env ...string) agentOption {
	return func(a *agent) { a.env = append(a.env, env...) }
}

// withFlags passes more flags to `minikubelet run`.
func withFlags(flags ...string) agentOption {
	return func(a *agent) { a.extraArgs = append(a.extraArgs, flags...) }
}

func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("MINIKUBELET_E2E") != "1" {
		t.Skip("set MINIKUBELET_E2E=1 to run (needs root, containerd, CNI plugins, iptables)")
	}
}

// startAgent runs a fresh agent; everything it made is removed when the test ends.
func startAgent(t *testing.T, opts ...agentOption) *agent {
	t.Helper()
	requireE2E(t)
	dir := t.TempDir()
	a := &agent{
		t:         t,
		root:      filepath.Join(dir, "root"),
		manifests: filepath.Join(dir, "manifests"),
		namespace: "minikubelet-e2e-" + hosttest.RandHex(t, 4),
		bridge:    "mkle2e" + hosttest.RandHex(t, 2),
		cidr:      hosttest.FreeSubnet(t),
		port:      hosttest.FreePort(t),
		socket:    filepath.Join(dir, "mk.sock"),
		logPath:   filepath.Join(dir, "agent.log"),
		netnsBase: mklNetns(t),
	}
	a.cgroupRoot = "/minikubelet-e2e-cgroups-" + hosttest.RandHex(t, 4)
	for _, o := range opts {
		o(a)
	}
	if err := os.MkdirAll(a.manifests, 0o755); err != nil {
		t.Fatal(err)
	}
	hostNet := hosttest.Snapshot(t)
	t.Cleanup(func() {
		a.removeEverything()
		hostNet.Cleanup(t, a.bridge, nil)
		removeContainerdNamespace(t, a.namespace)
		removeCgroupRoot(t, a.cgroupRoot)
		if t.Failed() {
			a.dumpLog()
		}
	})
	a.start()
	return a
}

// launch runs the agent process and returns at once; start also waits until it is healthy.
func (a *agent) launch() {
	t := a.t
	t.Helper()
	logFile, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(built.agent, append([]string{"run",
		"--pod-manifest-path", a.manifests,
		"--root-dir", a.root,
		"--containerd-namespace", a.namespace,
		"--read-only-port", fmt.Sprint(a.port),
		"--socket", a.socket,
		"--images-dir", filepath.Dir(built.busyboxTar),
		"--pod-cidr", a.cidr.String(),
		"--bridge-name", a.bridge,
		"--pause-binary", built.pause,
		"--file-check-frequency", "2s",
		"--log-level", "debug",
		"--cgroup-root", a.cgroupRoot,
	}, a.extraArgs...)...)
	a.cmd.Stdout, a.cmd.Stderr = logFile, logFile
	a.cmd.Env = append(os.Environ(), a.env...)
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	a.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait() }(a.cmd, a.exited)
}

func (a *agent) start() {
	a.t.Helper()
	a.launch()
	t := a.t
	a.eventually("the agent is healthy", func() (bool, string) {
		select {
		case err := <-a.exited:
			a.exited <- err
			t.Fatalf("the agent exited: %v", err)
		default:
		}
		body, code, err := a.get("/healthz")
		return err == nil && code == 200, fmt.Sprintf("%d %s %v", code, body, err)
	})
}

// stop ends the agent with SIGTERM, as a user or systemd does.
func (a *agent) stop() {
	a.t.Helper()
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(testenv.Scaled(30 * time.Second)):
		_ = a.cmd.Process.Kill()
		<-a.exited
		a.t.Errorf("the agent did not stop within 30s of SIGTERM")
	}
	a.cmd = nil
}

// kill ends the agent with SIGKILL: no clean-up of any kind.
func (a *agent) kill() {
	a.t.Helper()
	_ = a.cmd.Process.Kill()
	<-a.exited
	a.cmd = nil
}

func (a *agent) restart() {
	a.t.Helper()
	a.stop()
	a.start()
}

// removeEverything deletes every manifest and waits for the agent to remove every pod, then stops
// the agent.
func (a *agent) removeEverything() {
	entries, _ := os.ReadDir(a.manifests)
	for _, e := range entries {
		os.Remove(filepath.Join(a.manifests, e.Name()))
	}
	if a.cmd != nil && len(entries) > 0 {
		a.eventually("every pod is removed", func() (bool, string) {
			pods := a.pods()
			return len(pods) == 0, fmt.Sprintf("%d pods left", len(pods))
		})
	}
	a.stop()
}

func (a *agent) dumpLog() {
	data, err := os.ReadFile(a.logPath)
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 300 {
		lines = lines[len(lines)-300:]
	}
	a.t.Logf("agent log (last %d lines):\n%s", len(lines), strings.Join(lines, "\n"))
}

// writeManifest puts a manifest in place atomically (write, then rename), as users should.
func (a *agent) writeManifest(name, content string) {
	a.t.Helper()
	tmp := filepath.Join(a.manifests, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		a.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(a.manifests, name)); err != nil {
		a.t.Fatal(err)
	}
}

func (a *agent) removeManifest(name string) {
	a.t.Helper()
	if err := os.Remove(filepath.Join(a.manifests, name)); err != nil {
		a.t.Fatal(err)
	}
}

// get is a GET on the agent's socket, which serves the whole API.
func (a *agent) get(path string) (string, int, error) {
	return fetch(a.socketClient(), "http://minikubelet"+path)
}

// getTCP is a GET on the agent's read-only TCP port.
func (a *agent) getTCP(path string) (string, int, error) {
	return fetch(http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d%s", a.port, path))
}

// socketClient is an HTTP client of the agent's socket.
func (a *agent) socketClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		// Each call makes a new client: a kept-alive connection would stay open in the agent.
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", a.socket)
		},
	}}
}

func fetch(c *http.Client, url string) (string, int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode, err
}

// pods is GET /pods, decoded.
func (a *agent) pods() []v1.Pod {
	a.t.Helper()
	body, code, err := a.get("/pods")
	if err != nil || code != 200 {
		a.t.Fatalf("GET /pods: %d %v", code, err)
	}
	var list v1.PodList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		a.t.Fatalf("decode /pods: %v", err)
	}
	return list.Items
}

func (a *agent) pod(namespace, name string) *v1.Pod {
	for _, p := range a.pods() {
		if p.Namespace == namespace && p.Name == name {
			return &p
		}
	}
	return nil
}

func (a *agent) manifestErrors() []manifest.FileError {
	a.t.Helper()
	body, _, err := a.get("/errors")
	if err != nil {
		a.t.Fatal(err)
	}
	var list struct{ Items []manifest.FileError }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		a.t.Fatal(err)
	}
	return list.Items
}

// eventually polls cond until it holds or waitTimeout passes; cond says what it saw.
func (a *agent) eventually(what string, cond func() (bool, string)) {
	a.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	last := ""
	for {
		ok, seen := cond()
		if ok {
			return
		}
		last = seen
		if time.Now().After(deadline) {
			a.t.Fatalf("timed out waiting for %s; last seen: %s", what, last)
		}
		time.Sleep(200 * time.Millisecond) // poll interval, not synchronisation
	}
}

// waitPod waits until the pod exists and cond holds for it.
func (a *agent) waitPod(namespace, name, what string, cond func(*v1.Pod) bool) *v1.Pod {
	a.t.Helper()
	var got *v1.Pod
	a.eventually(fmt.Sprintf("pod %s/%s %s", namespace, name, what), func() (bool, string) {
		got = a.pod(namespace, name)
		if got == nil {
			return false, "no such pod"
		}
		return cond(got), describe(got)
	})
	return got
}

func (a *agent) waitRunning(namespace, name string) *v1.Pod {
	a.t.Helper()
	return a.waitPod(namespace, name, "is Running and Ready", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady)
	})
}

func (a *agent) waitGone(namespace, name string) {
	a.t.Helper()
	a.eventually(fmt.Sprintf("pod %s/%s is gone", namespace, name), func() (bool, string) {
		p := a.pod(namespace, name)
		if p == nil {
			return true, ""
		}
		return false, describe(p)
	})
}

func condition(p *v1.Pod, t v1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == v1.ConditionTrue
		}
	}
	return false
}

func describe(p *v1.Pod) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "phase=%s reason=%q message=%q", p.Status.Phase, p.Status.Reason, p.Status.Message)
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, c := range list {
			fmt.Fprintf(&b, " [%s restarts=%d", c.Name, c.RestartCount)
			switch {
			case c.State.Waiting != nil:
				fmt.Fprintf(&b, " waiting %s: %s", c.State.Waiting.Reason, c.State.Waiting.Message)
			case c.State.Running != nil:
				b.WriteString(" running")
			case c.State.Terminated != nil:
				fmt.Fprintf(&b, " terminated %d %s", c.State.Terminated.ExitCode, c.State.Terminated.Reason)
			}
			b.WriteString("]")
		}
	}
	return b.String()
}

// httpGet fetches a URL from the host, polling until it answers 200 (a server starting up).
func (a *agent) httpGet(url string) string {
	a.t.Helper()
	client := &http.Client{Timeout: testenv.Scaled(2 * time.Second)}
	var body string
	a.eventually("GET "+url, func() (bool, string) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		body = string(data)
		return resp.StatusCode == 200, fmt.Sprintf("%d %s", resp.StatusCode, body)
	})
	return body
}

// hostPort returns want if nothing listens there, else a free port.
func hostPort(t *testing.T, want int) int {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", want))
	if err != nil {
		p := hosttest.FreePort(t)
		t.Logf("port %d is busy here; using %d", want, p)
		return p
	}
	l.Close()
	return want
}

func mklNetns(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "mkl-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// ctr runs containerd's CLI in the agent's namespace.
func (a *agent) ctr(args ...string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Scaled(30*time.Second))
	defer cancel()
	out, err := exec.CommandContext(ctx, "ctr", append([]string{"-n", a.namespace}, args...)...).CombinedOutput()
	if err != nil {
		a.t.Fatalf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// assertNothingLeft checks that no pod of the agent left anything on the host: netns, veths,
// iptables rules, IPAM leases, containers, tasks, active snapshots, mounts, shims, files.
func (a *agent) assertNothingLeft(podIPs ...string) {
	t := a.t
	t.Helper()
	if extra := a.leftNetns(); len(extra) > 0 {
		t.Errorf("network namespaces left: %v", extra)
	}
	if _, err := net.InterfaceByName(a.bridge); err == nil {
		if out, _ := exec.Command("ip", "-o", "link", "show", "master", a.bridge).CombinedOutput(); strings.TrimSpace(string(out)) != "" {
			t.Errorf("veths left on %s:\n%s", a.bridge, out)
		}
	}
	save, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range podIPs {
		for _, line := range strings.Split(string(save), "\n") {
			if strings.Contains(line, ip+"/") || strings.Contains(line, ip+":") || strings.Contains(line, ip+" ") {
				t.Errorf("iptables rule for pod IP %s left: %s", ip, line)
			}
		}
	}
	leases, _ := os.ReadDir(filepath.Join(a.root, "cni", "ipam", "minikubelet"))
	for _, l := range leases {
		if net.ParseIP(l.Name()) != nil {
			t.Errorf("IPAM lease left: %s", l.Name())
		}
	}
	if out := strings.TrimSpace(a.ctr("containers", "ls", "-q")); out != "" {
		t.Errorf("containerd containers left:\n%s", out)
	}
	if out := a.ctr("tasks", "ls"); strings.Count(strings.TrimSpace(out), "\n") > 0 {
		t.Errorf("containerd tasks left:\n%s", out)
	}
	for _, line := range strings.Split(a.ctr("snapshots", "ls"), "\n") {
		if strings.Contains(line, "Active") {
			t.Errorf("active snapshot left: %s", line)
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, a.root) {
			t.Errorf("mount left: %s", line)
		}
	}
	if out, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output(); len(out) > 0 {
		t.Errorf("shims left: %s", out)
	}
	for _, dir := range a.podCgroups() {
		t.Errorf("pod cgroup left: %s", dir)
	}
	for _, dir := range []string{"sandboxes", "pods", "logs"} {
		entries, _ := os.ReadDir(filepath.Join(a.root, dir))
		for _, e := range entries {
			t.Errorf("%s/%s left", dir, e.Name())
		}
	}
}
