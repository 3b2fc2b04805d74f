package e2e

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `get pods -w` prints the table, then a line whenever a pod changes, until interrupted.
func TestGetPodsWatch(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("first.yaml", sleeperPod("first"))
	a.waitRunning("default", "first")

	cmd := exec.Command(built.agent, "get", "pods", "-w", fmt.Sprintf("--server=http://127.0.0.1:%d", a.port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	defer func() {
		_ = cmd.Process.Kill()
	}()
	lines := make(chan string)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- strings.Join(strings.Fields(scanner.Text()), " ")
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	// expect waits for a line starting with prefix and returns the lines before it.
	expect := func(prefix string) []string {
		t.Helper()
		var seen []string
		timeout := time.After(waitTimeout)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("get pods -w ended before %q; saw %q; stderr %s", prefix, seen, stderr.String())
				}
				if strings.HasPrefix(line, prefix) {
					return seen
				}
				seen = append(seen, line)
			case <-timeout:
				t.Fatalf("no line %q from get pods -w; saw %q", prefix, seen)
			}
		}
	}
	expect("NAME READY STATUS RESTARTS AGE")
	expect("first 1/1 Running 0 ")

	a.writeManifest("second.yaml", sleeperPod("second"))
	expect("second ")
	expect("second 1/1 Running 0 ")

	first := a.pod("default", "first")
	a.killContainer(first.Status.ContainerStatuses[0].ContainerID)
	expect("first 1/1 Running 1 ")

	_ = cmd.Process.Signal(syscall.SIGINT)
	for range lines {
	}
	if err := <-exited; err != nil {
		t.Errorf("get pods -w on SIGINT: %v; stderr %s", err, stderr.String())
	}
}
