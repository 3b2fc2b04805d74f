package e2e

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestExec(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("shell.yaml", `apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: default}
spec:
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"], env: [{name: WHO, value: main}]}
  - {name: side, image: busybox:1.35, command: ["sleep", "3600"], env: [{name: WHO, value: side}]}
`)
	pod := a.waitRunning("default", "shell")

	t.Run("exit code and streams", func(t *testing.T) {
		out, errOut, code := a.cliResult("", "exec", "shell", "-c", "main", "--", "sh", "-c", "echo out $WHO; echo err >&2; exit 3")
		if code != 3 || out != "out main\n" || !strings.Contains(errOut, "err\n") || !strings.Contains(errOut, "command terminated with exit code 3") {
			t.Errorf("exec = %d %q %q", code, out, errOut)
		}
	})
	t.Run("the first container by default, another with -c", func(t *testing.T) {
		out, errOut, code := a.cliResult("", "exec", "shell", "--", "sh", "-c", "echo $WHO")
		if code != 0 || out != "main\n" || !strings.Contains(errOut, `Defaulted container "main" out of: main, side`) {
			t.Errorf("exec = %d %q %q", code, out, errOut)
		}
		if out, _, code := a.cliResult("", "exec", "shell", "-c", "side", "--", "sh", "-c", "echo $WHO"); code != 0 || out != "side\n" {
			t.Errorf("exec -c side = %d %q", code, out)
		}
	})
	t.Run("stdin", func(t *testing.T) {
		out, errOut, code := a.cliResult("hello\nworld\n", "exec", "-i", "shell", "-c", "main", "--", "sh", "-c", "wc -l; echo after")
		if code != 0 || strings.TrimSpace(strings.Split(out, "\n")[0]) != "2" || !strings.Contains(out, "after\n") {
			t.Errorf("exec -i = %d %q %q", code, out, errOut)
		}
		// Without -i the process's stdin is empty.
		out, _, code = a.cliResult("ignored\n", "exec", "shell", "-c", "main", "--", "sh", "-c", "cat; echo eof")
		if code != 0 || out != "eof\n" {
			t.Errorf("exec without -i = %d %q", code, out)
		}
	})
	t.Run("tty", func(t *testing.T) {
		out, errOut, code := a.cliResult("", "exec", "-t", "shell", "-c", "main", "--", "tty")
		if code != 0 || !regexp.MustCompile(`^/dev/pts/\d+\r?\n$`).MatchString(out) {
			t.Errorf("exec -t tty = %d %q %q", code, out, errOut)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"shell", "-c", "nope", "--", "true"}, `container "nope" not found in pod "shell"`},
			{[]string{"nosuchpod", "--", "true"}, `pods "nosuchpod" not found`},
			{[]string{"shell", "-c", "main", "--", "/no/such/binary"}, "no/such/binary"},
		} {
			_, errOut, code := a.cliResult("", append([]string{"exec"}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exec %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
			}
		}
	})
	t.Run("a client that goes away ends its process", func(t *testing.T) {
		id := strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "containerd://")
		procs := func() int { return strings.Count(strings.TrimSpace(a.ctr("tasks", "ps", id)), "\n") }
		base := procs()
		cmd := exec.Command(built.agent, "exec", "shell", "-c", "main", "--socket="+a.socket, "--", "sleep", "1000")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		a.eventually("the exec'd sleep runs", func() (bool, string) { n := procs(); return n == base+1, fmt.Sprint(n) })
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		a.eventually("the exec'd sleep is gone", func() (bool, string) { n := procs(); return n == base, fmt.Sprint(n) })
	})
	a.removeManifest("shell.yaml")
	a.waitGone("default", "shell")
	a.assertNothingLeft()
}
