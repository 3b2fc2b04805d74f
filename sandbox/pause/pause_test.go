package pause

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// waitTimeout bounds every wait for the program to reach a state; it never paces the test.
var waitTimeout = testenv.Scaled(10 * time.Second)

func e2e() bool { return os.Getenv("MINIKUBELET_E2E") == "1" }

// requireTool finds a program the test needs: missing, it skips the test, or fails it under
// MINIKUBELET_E2E=1.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if e2e() {
			t.Fatalf("%s is required under MINIKUBELET_E2E=1: %v", name, err)
		}
		t.Skipf("%s is not installed, cannot build or run pause.c: %v", name, err)
	}
	return path
}

// buildPause compiles pause.c as the Makefile does into a temporary directory.
func buildPause(t *testing.T) string {
	t.Helper()
	return compileC(t, "pause.c", "pause")
}

// zombifySource is testdata/zombify.c.
const zombifySource = "testdata/zombify.c"

// compileC builds a static program from a C file into a temporary directory, or takes the
// prebuilt one the test VM provides (it has no compiler).
func compileC(t *testing.T, source, name string) string {
	t.Helper()
	if prebuilt, ok := testenv.Prebuilt(name); ok {
		return prebuilt
	}
	gcc := requireTool(t, "gcc")
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.CommandContext(t.Context(), gcc, "-static", "-Os", "-s", "-Wall", "-Werror", "-o", out, source)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", source, err, msg)
	}
	return out
}

// start runs cmd and kills it (and, as PID 1 of a PID namespace, all of the namespace) if the test
// ends before it exits.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
}

// eventually polls cond until it holds or waitTimeout passes; cond explains what it saw.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, still waiting for %s; saw %s", waitTimeout, what, saw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReady waits until the process is pause (not the shell that execs it) and has its SIGINT,
// SIGTERM and SIGCHLD handlers in place, read from /proc/PID/status.
func waitReady(t *testing.T, pid int) {
	t.Helper()
	want := uint64(1)<<(syscall.SIGINT-1) | uint64(1)<<(syscall.SIGTERM-1) | uint64(1)<<(syscall.SIGCHLD-1)
	eventually(t, "pause to install its signal handlers", func() (bool, string) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return false, err.Error()
		}
		for _, line := range strings.Split(string(status), "\n") {
			if hex, ok := strings.CutPrefix(line, "SigCgt:"); ok {
				caught, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
				saw := fmt.Sprintf("comm %q, SigCgt %s", strings.TrimSpace(string(comm)), strings.TrimSpace(hex))
				return err == nil && caught&want == want && strings.TrimSpace(string(comm)) == "pause", saw
			}
		}
		return false, "no SigCgt line"
	})
}

// stopAndWait sends sig and requires pause to exit with status 0.
func stopAndWait(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	err := cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		t.Fatalf("after %v pause ended with %v, want exit status 0", sig, exitErr.ProcessState)
	case err != nil:
		t.Fatalf("wait for pause: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.CommandContext(t.Context(), buildPause(t), "-v").Output()
	if err != nil {
		t.Fatalf("pause -v: %v", err)
	}
	if !strings.HasPrefix(string(out), "minikubelet-pause ") || strings.Count(string(out), "\n") != 1 {
		t.Fatalf("pause -v printed %q, want one line naming minikubelet-pause", out)
	}
}

func TestStopSignals(t *testing.T) {
	pause := buildPause(t)
	tests := []struct {
		name   string
		signal syscall.Signal
	}{
		{name: "SIGTERM", signal: syscall.SIGTERM},
		{name: "SIGINT", signal: syscall.SIGINT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(pause)
			cmd.Stderr = &stderr
			start(t, cmd)
			waitReady(t, cmd.Process.Pid)
			stopAndWait(t, cmd, tt.signal)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "not running as PID 1") {
				t.Errorf("stderr %q, want one line warning that pause is not PID 1", stderr.String())
			}
		})
	}
}

// TestReapsChildren makes pause the parent of children and polls /proc until pause has none left: a
// child pause failed to reap would stay a zombie. The children are cat, blocked reading $FIFO until
// the test opens it, so it exits while pause runs; true, which exits at once; and the zombie that
// $ZOMBIFY holds when it execs pause.
func TestReapsChildren(t *testing.T) {
	pause := buildPause(t)
	busybox := requireTool(t, "busybox")
	zombify := compileC(t, zombifySource, "zombify")
	tests := []struct {
		name string
		// script runs in busybox sh with $FIFO, $ZOMBIFY and $PAUSE set and must exec pause.
		script string
		// cat: a child reads $FIFO until the test opens it.
		cat   bool
		pidNS bool
	}{
		{
			name:   "a child that exits while pause runs",
			script: `busybox cat "$FIFO" >/dev/null & busybox true & exec "$PAUSE"`,
			cat:    true,
		},
		{
			name:   "a zombie from before pause started",
			script: `exec "$ZOMBIFY" "$PAUSE"`,
		},
		{
			name:   "orphans adopted as PID 1 of a new PID namespace",
			script: `(busybox cat "$FIFO" >/dev/null &); (busybox true &); exec "$PAUSE"`,
			cat:    true,
			pidNS:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pidNS {
				if !e2e() {
					t.Skip("needs root and a new PID namespace: set MINIKUBELET_E2E=1 to run it")
				}
				if os.Geteuid() != 0 {
					t.Fatal("MINIKUBELET_E2E=1: creating a PID namespace needs root")
				}
			}
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatalf("mkfifo: %v", err)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(busybox, "sh", "-c", tt.script)
			cmd.Env = append(os.Environ(), "FIFO="+fifo, "ZOMBIFY="+zombify, "PAUSE="+pause, "PATH="+filepath.Dir(busybox)+":/usr/bin:/bin")
			cmd.Stderr = &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			if tt.pidNS {
				cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWPID
			}
			start(t, cmd)
			pid := cmd.Process.Pid

			waitReady(t, pid)
			if tt.cat {
				eventually(t, "cat, a running child of pause", func() (bool, string) {
					children := childStates(t, pid)
					for _, state := range children {
						if state != "Z" {
							return true, ""
						}
					}
					return false, fmt.Sprintf("children %v", children)
				})
				releaseFIFO(t, fifo)
			}
			eventually(t, "pause to reap all its children", func() (bool, string) {
				children := childStates(t, pid)
				return len(children) == 0, fmt.Sprintf("children (pid: state) %v", children)
			})

			stopAndWait(t, cmd, syscall.SIGTERM)
			warned := strings.Contains(stderr.String(), "not running as PID 1")
			if warned == tt.pidNS {
				t.Errorf("stderr %q: as PID 1 = %v, want the warning only when not PID 1", stderr.String(), tt.pidNS)
			}
		})
	}
}

// releaseFIFO opens the FIFO for writing and closes it, so the cat reading it sees end of file.
// Opening without blocking fails until cat has opened its end, so it is retried.
func releaseFIFO(t *testing.T, fifo string) {
	t.Helper()
	eventually(t, "cat to open the FIFO", func() (bool, string) {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return false, err.Error()
		}
		if err := f.Close(); err != nil {
			t.Fatalf("close %s: %v", fifo, err)
		}
		return true, ""
	})
}

// childStates returns the state (R, S, Z, ...) of every process whose parent is ppid, by PID.
func childStates(t *testing.T, ppid int) map[int]string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatalf("list processes: %v", err)
	}
	children := make(map[int]string)
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// "PID (COMM) STATE PPID ...": COMM may hold anything, so parse after its last ")".
		s := string(data)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 {
			continue
		}
		if parent, err := strconv.Atoi(fields[1]); err == nil && parent == ppid {
			pid, _ := strconv.Atoi(strings.Fields(s)[0])
			children[pid] = fields[0]
		}
	}
	return children
}
