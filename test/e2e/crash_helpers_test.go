package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/minikubelet/minikubelet/faults"
)

// relaunch starts the agent again on the same root dir with the given failpoints (none if
// empty), and returns the length of its log before the launch, so that waitLog reads only what
// this run wrote. The previous run must have ended.
func (a *agent) relaunch(failpoints string) int64 {
	a.t.Helper()
	st, err := os.Stat(a.logPath)
	if err != nil {
		a.t.Fatal(err)
	}
	a.env = nil
	if failpoints != "" {
		a.env = []string{faults.Env + "=" + failpoints}
	}
	a.start()
	return st.Size()
}

// waitLog waits until the agent's log, from offset on, holds want; it fails the test if the agent
// exits first.
func (a *agent) waitLog(offset int64, want string) {
	a.t.Helper()
	a.eventually(fmt.Sprintf("the agent logs %q", want), func() (bool, string) {
		select {
		case err := <-a.exited:
			a.exited <- err
			a.t.Fatalf("the agent exited before logging %q: %v", want, err)
		default:
		}
		data, err := os.ReadFile(a.logPath)
		if err != nil {
			a.t.Fatal(err)
		}
		if int64(len(data)) < offset {
			return false, "the log shrank"
		}
		return bytes.Contains(data[offset:], []byte(want)), "not yet"
	})
}

// waitFailpoint waits until the agent is blocked at the failpoint step.
func (a *agent) waitFailpoint(offset int64, step string) {
	a.t.Helper()
	a.waitLog(offset, "failpoint reached "+step)
}

// pauseContainers are the IDs of the pause containers containerd holds for the pod.
func (a *agent) pauseContainers(uid string) []string {
	a.t.Helper()
	out := a.ctr("containers", "ls", "-q",
		"labels.\"io.minikubelet.kind\"==sandbox,labels.\"io.minikubelet.pod.uid\"=="+uid)
	return strings.Fields(out)
}

// dumpLogOnFailure, if the test fails, has a still running agent dump its goroutines (SIGQUIT)
// and logs the agent's whole log, less the test's own polling of the API: a crash test's story
// spans several runs of the agent, longer than dumpLog's tail, and a hang shows in the stacks.
func (a *agent) dumpLogOnFailure() {
	t := a.t
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if a.cmd != nil {
			_ = a.cmd.Process.Signal(syscall.SIGQUIT)
			<-a.exited
			a.cmd = nil
		}
		data, err := os.ReadFile(a.logPath)
		a.start() // again, so that startAgent's clean-up removes the pods
		if err != nil {
			return
		}
		var kept []string
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.Contains(line, "msg=request ") {
				kept = append(kept, line)
			}
		}
		t.Logf("agent log, every run, without API requests:\n%s", strings.Join(kept, "\n"))
	})
}

// waitRemoved waits until the agent has finished removing every pod: a pod whose manifest went
// while the agent was down leaves /pods at once, but its removal takes the grace period.
func (a *agent) waitRemoved() {
	a.t.Helper()
	a.eventually("every pod's removal has finished", func() (bool, string) {
		var left []string
		if out := strings.Fields(a.ctr("containers", "ls", "-q")); len(out) > 0 {
			left = append(left, fmt.Sprintf("%d containers", len(out)))
		}
		if dirs := names(a.t, filepath.Join(a.root, "sandboxes")); len(dirs) > 0 {
			left = append(left, fmt.Sprintf("sandboxes %v", dirs))
		}
		if leases := a.leasedIPs(); len(leases) > 0 {
			left = append(left, fmt.Sprintf("leases %v", leases))
		}
		for _, dir := range []string{"pods", "logs"} {
			if entries, _ := os.ReadDir(filepath.Join(a.root, dir)); len(entries) > 0 {
				left = append(left, fmt.Sprintf("%d in %s/", len(entries), dir))
			}
		}
		return len(left) == 0, strings.Join(left, ", ")
	})
}
