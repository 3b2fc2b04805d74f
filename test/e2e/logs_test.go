package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// logsPod prints "run N" on stdout and "err N" on stderr on its Nth run; the first run fails,
// the second ticks on stdout for ever. "pair" has two quiet containers.
const logsPods = `apiVersion: v1
kind: Pod
metadata: {name: talker, namespace: default}
spec:
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "n=$(cat /w/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /w/n; echo run $n; echo err $n >&2; if [ $n = 1 ]; then exit 1; fi; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
    volumeMounts: [{name: w, mountPath: /w}]
  volumes: [{name: w, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: pair, namespace: default}
spec:
  containers:
  - {name: a, image: busybox:1.35, command: ["sleep", "3600"]}
  - {name: b, image: busybox:1.35, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: brief, namespace: default}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:1.35, command: ["sh", "-c", "echo first; sleep 8; echo last"]}
`

// cliResult runs the CLI against the agent's socket and returns stdout, stderr and the exit code.
func (a *agent) cliResult(stdin string, args ...string) (string, string, int) {
	a.t.Helper()
	// The socket flag goes right after the subcommand, before any "--".
	cmd := exec.Command(built.agent, append([]string{args[0], "--socket=" + a.socket}, args[1:]...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			a.t.Fatalf("minikubelet %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// logsOf is `minikubelet logs ARGS...`, which must succeed.
func (a *agent) logsOf(args ...string) string {
	a.t.Helper()
	out, errOut, code := a.cliResult("", append([]string{"logs"}, args...)...)
	if code != 0 {
		a.t.Fatalf("minikubelet logs %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

var tickLine = regexp.MustCompile(`(?m)^tick (\d+)$`)

// lastTick is the highest "tick N" in out, or 0.
func lastTick(out string) int {
	n := 0
	for _, m := range tickLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.Atoi(m[1])
		n = max(n, v)
	}
	return n
}

// checkTicks reports a gap or a repeat in the tick sequence of out.
func checkTicks(t *testing.T, out string) {
	t.Helper()
	want := 1
	for _, m := range tickLine.FindAllStringSubmatch(out, -1) {
		if m[1] != strconv.Itoa(want) {
			t.Fatalf("ticks out of sequence: got tick %s, want tick %d", m[1], want)
		}
		want++
	}
}

func TestContainerLogs(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff=1s"))
	a.writeManifest("logs.yaml", logsPods)
	pod := a.waitPod("default", "talker", "runs its second instance", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount == 1 && cs[0].State.Running != nil
	})
	a.waitRunning("default", "pair")

	t.Run("previous is the failed run", func(t *testing.T) {
		out := a.logsOf("talker", "--previous")
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.Contains(out, "run 1\n") || !strings.Contains(out, "err 1\n") {
			t.Errorf("logs --previous = %q, want run 1 and err 1", out)
		}
	})
	t.Run("current run", func(t *testing.T) {
		var out string
		a.eventually("ticks", func() (bool, string) { out = a.logsOf("talker"); return lastTick(out) >= 3, out })
		if !strings.HasPrefix(out, "run 2\n") && !strings.HasPrefix(out, "err 2\n") {
			t.Errorf("logs starts with %.40q, want run 2", out)
		}
		checkTicks(t, out)
		tail := a.logsOf("talker", "--tail", "1")
		if !tickLine.MatchString(tail) || strings.Count(tail, "\n") != 1 {
			t.Errorf("logs --tail 1 = %q", tail)
		}
		stamped := a.logsOf("talker", "--tail", "2", "--timestamps")
		for _, line := range strings.Split(strings.TrimSpace(stamped), "\n") {
			ts, _, _ := strings.Cut(line, " ")
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("line %q does not start with a timestamp: %v", line, err)
			}
		}
		if recent := a.logsOf("talker", "--since", "1h"); lastTick(recent) < 3 {
			t.Errorf("logs --since 1h = %q", recent)
		}
	})
	t.Run("follow sees new lines", func(t *testing.T) {
		before := lastTick(a.logsOf("talker"))
		cmd := exec.Command(built.agent, "logs", "-f", "talker", "--socket="+a.socket)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		seen := make(chan int, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if n := lastTick(sc.Text()); n > before+5 {
					seen <- n
					return
				}
			}
			close(seen)
		}()
		select {
		case _, ok := <-seen:
			if !ok {
				t.Fatal("logs -f ended before new lines came")
			}
		case <-time.After(waitTimeout):
			t.Fatalf("logs -f showed no tick past %d", before+5)
		}
	})
	t.Run("follow ends when the container ends", func(t *testing.T) {
		a.waitPod("default", "brief", "has started", func(p *v1.Pod) bool {
			return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].ContainerID != ""
		})
		done := make(chan string, 1)
		go func() {
			out, _, _ := a.cliResult("", "logs", "-f", "brief")
			done <- out
		}()
		select {
		case out := <-done:
			if out != "first\nlast\n" {
				t.Errorf("logs -f of a container that ended = %q", out)
			}
		case <-time.After(waitTimeout):
			t.Fatal("logs -f did not end with its container")
		}
	})
	t.Run("errors as kubelet and the API server word them", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"pair"}, `a container name must be specified for pod pair, choose one of: [a b]`},
			{[]string{"pair", "-c", "a", "--previous"}, `previous terminated container "a" in pod "pair" not found`},
			{[]string{"pair", "-c", "nope"}, `container "nope" not found in pod "pair"`},
			{[]string{"nosuchpod"}, `pods "nosuchpod" not found`},
		} {
			_, errOut, code := a.cliResult("", append([]string{"logs"}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("logs %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
			}
		}
	})
	t.Run("only the socket serves logs and events", func(t *testing.T) {
		for _, path := range []string{"/containerLogs/default/talker/main", "/pods/default/talker/events", "/errors", "/exec/default/talker/main"} {
			if _, code, err := a.getTCP(path); err != nil || code != 404 {
				t.Errorf("TCP GET %s = %d %v, want 404", path, code, err)
			}
		}
		if body, code, err := a.getTCP("/pods"); err != nil || code != 200 || !strings.Contains(body, "talker") {
			t.Errorf("TCP GET /pods = %d %v", code, err)
		}
		if body, code, err := a.get("/containerLogs/default/talker/main?tailLines=1"); err != nil || code != 200 || !tickLine.MatchString(body) {
			t.Errorf("socket GET /containerLogs = %d %v %q", code, err, body)
		}
		if _, code, err := a.get("/pods/default/talker/events"); err != nil || code != 200 {
			t.Errorf("socket GET events = %d %v", code, err)
		}
		st, err := os.Stat(a.socket)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
			t.Errorf("socket mode = %v, want a socket with 0600", st.Mode())
		}
	})
	t.Run("lines keep coming while the agent is down", func(t *testing.T) {
		file := filepath.Join(a.root, "logs", "default_talker_"+string(pod.UID), "main", "1.log")
		a.stop()
		if _, err := os.Stat(a.socket); !os.IsNotExist(err) {
			t.Errorf("socket left after the agent stopped: %v", err)
		}
		size := func() int64 {
			st, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			return st.Size()
		}
		start := size()
		a.eventually("the log grows without the agent", func() (bool, string) {
			return size() > start+200, fmt.Sprint(size())
		})
		a.start()
		out := a.logsOf("talker")
		checkTicks(t, out)
	})
	a.removeManifest("logs.yaml")
	a.waitGone("default", "talker")
	a.waitGone("default", "pair")
	a.waitGone("default", "brief")
	a.assertNothingLeft()
}

func TestContainerLogRotation(t *testing.T) {
	a := startAgent(t, withFlags("--container-log-max-size=4Ki", "--container-log-max-files=50"))
	const lines = 600
	a.writeManifest("chatty.yaml", fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: chatty, namespace: default}
spec:
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "i=0; while [ $i -lt %d ]; do i=$((i+1)); echo line $i padding-padding-padding; done; echo done >&2; exec sleep 3600"]
`, lines))
	pod := a.waitRunning("default", "chatty")
	var out string
	a.eventually("every line is logged", func() (bool, string) {
		out = a.logsOf("chatty")
		return strings.Contains(out, "done\n"), fmt.Sprintf("%d bytes", len(out))
	})
	dir := filepath.Join(a.root, "logs", "default_chatty_"+string(pod.UID), "main")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Errorf("%d log files, want several rotations", len(entries))
	}
	seen := map[string]int{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 4096 {
			t.Errorf("%s is %d bytes, past --container-log-max-size", e.Name(), len(data))
		}
		if e.Name() != "0.log" && !regexp.MustCompile(`^0\.log\.\d{8}-\d{6}(\.\d+)?$`).MatchString(e.Name()) {
			t.Errorf("unexpected log file %s", e.Name())
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if i := strings.Index(l, " stdout F line "); i > 0 {
				seen[l[i+len(" stdout F "):]]++
			}
		}
	}
	want := ""
	for i := 1; i <= lines; i++ {
		l := fmt.Sprintf("line %d padding-padding-padding", i)
		if seen[l] != 1 {
			t.Errorf("%q is in the files %d times", l, seen[l])
		}
		want += l + "\n"
	}
	if strings.Replace(out, "done\n", "", 1) != want {
		t.Errorf("logs across rotated files are not every line in order (%d bytes, want %d)", len(out), len(want))
	}
}
