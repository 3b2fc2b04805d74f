package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hostile"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// The hostile corpus (106 files: invalid YAML, wrong kinds, bad names and ports, absurd probes,
// huge and binary files, FIFOs, sockets, directories and symlink loops named like manifests)
// dropped beside a running pod, then removed, round after round: every file gets exactly its
// error on /errors, naming file and field, and the pod never moves (same UID and container,
// restartCount 0, Ready in every status the agent publishes); no corpus file becomes a pod.
func TestReliabilityHostileManifests(t *testing.T) {
	a := startAgent(t)
	a.writeManifest(hostile.SteadyFile, hostile.Steady)
	steady := a.waitRunning("default", hostile.SteadyName)
	guard := a.guardPods(steady)

	rounds := testenv.Count(1, 10)
	for round := 1; round <= rounds; round++ {
		start := time.Now()
		closeSocket, err := hostile.Write(a.manifests, t.TempDir())
		if err != nil {
			closeSocket()
			t.Fatal(err)
		}
		a.eventually("every hostile manifest refused with its error", func() (bool, string) {
			missing, unexpected := hostile.Compare(a.relativeErrors())
			return len(missing) == 0 && len(unexpected) == 0, fmt.Sprintf("missing %v, unexpected %v", missing, unexpected)
		})
		refused := time.Since(start)
		closeSocket()
		removeAllBut(t, a.manifests, hostile.SteadyFile)
		a.eventually("no manifest error once the corpus is removed", func() (bool, string) {
			errs := a.manifestErrors()
			return len(errs) == 0, fmt.Sprintf("%d errors, e.g. %v", len(errs), errs[:min(len(errs), 3)])
		})
		t.Logf("round %d/%d: %d files, %d errors on /errors after %s, cleared after %s",
			round, rounds, len(hostile.Files()), len(hostile.Cases), refused.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}

	events, problems, others, err := guard.stop()
	if err != nil {
		t.Error(err)
	}
	for _, p := range problems {
		t.Errorf("the running pod was disturbed: %s", p)
	}
	if len(others) > 0 {
		t.Errorf("pods from the corpus: %v", others)
	}
	if problem := untouched(steady, a.waitRunning("default", hostile.SteadyName), ""); problem != "" {
		t.Errorf("at the end: %s", problem)
	}
	if n := len(a.pods()); n != 1 {
		t.Errorf("%d pods, want only %s", n, hostile.SteadyName)
	}
	t.Logf("%d rounds of %d hostile files: %d pod updates of the running pod watched, %d disturbances", rounds, len(hostile.Files()), events, len(problems))
}

// relativeErrors is /errors as corpus cases, files relative to the manifest directory.
func (a *agent) relativeErrors() []hostile.Case {
	a.t.Helper()
	errs := a.manifestErrors()
	got := make([]hostile.Case, 0, len(errs))
	for _, e := range errs {
		rel, err := filepath.Rel(a.manifests, e.File)
		if err != nil {
			a.t.Fatal(err)
		}
		got = append(got, hostile.Case{File: rel, Doc: e.Document, Field: e.Field, Message: e.Message})
	}
	return got
}

// removeAllBut removes every entry of dir except keep (and dot-files, which the agent ignores).
func removeAllBut(t *testing.T, dir, keep string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == keep || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// A manifest that was valid and is broken (truncated, emptied, reduced to "---", replaced by
// binary junk or by a directory) keeps its pod untouched, with an error saying the previous
// version keeps running, whether it breaks while the agent runs or while it is down; repairing
// the file moves nothing. A file removed while the agent is down does lose its pod. (Kubelet keeps
// a static pod's last good version; before, the agent removed these pods when it started.)
func TestReliabilityHostileRestart(t *testing.T) {
	a := startAgent(t)
	a.writeManifest(hostile.SteadyFile, hostile.Steady)
	for _, name := range victimNames {
		a.writeManifest(name+".yaml", sleeperPod(name))
	}
	a.writeManifest("removed.yaml", sleeperPod("removed"))
	before := []*v1.Pod{a.waitRunning("default", hostile.SteadyName)}
	for _, name := range victimNames {
		before = append(before, a.waitRunning("default", name))
	}
	removed := a.waitRunning("default", "removed")

	// Broken while the agent runs: watched throughout.
	start := time.Now()
	guard := a.guardPods(append(before, removed)...)
	a.breakVictims()
	a.waitVictimsKept()
	a.repairVictims()
	a.checkGuard(guard, "broken while running")
	t.Logf("broken while the agent runs: %d files kept their pods, in %s", len(victimNames), time.Since(start).Round(time.Millisecond))

	rounds := testenv.Count(1, 5)
	for round := 1; round <= rounds; round++ {
		start := time.Now()
		a.stop()
		a.breakVictims()
		if round == 1 {
			a.removeManifest("removed.yaml")
		}
		a.start()
		a.waitVictimsKept()
		a.waitGone("default", "removed")
		for _, was := range before {
			if problem := untouched(was, a.waitRunning(was.Namespace, was.Name), ""); problem != "" {
				t.Errorf("round %d, after the restart: %s", round, problem)
			}
		}
		guard := a.guardPods(before...)
		a.repairVictims()
		a.checkGuard(guard, fmt.Sprintf("round %d, repairing the files", round))
		t.Logf("round %d/%d: %d files broken while the agent was down kept their pods, in %s", round, rounds, len(victimNames), time.Since(start).Round(time.Millisecond))
	}
	if n := len(a.pods()); n != len(before) {
		t.Errorf("%d pods at the end, want %d", n, len(before))
	}
}

// victimNames are the pods (and files NAME.yaml) that breakVictims breaks, one way each.
var victimNames = []string{"victim-truncated", "victim-empty", "victim-separator", "victim-binary", "victim-directory"}

// breakVictims breaks each victim's file its way. The name never goes missing, not even for a
// moment (that would rightly remove its pod): files are rewritten in place, and the directory
// is swapped in atomically.
func (a *agent) breakVictims() {
	a.t.Helper()
	for _, name := range victimNames {
		path := filepath.Join(a.manifests, name+".yaml")
		var err error
		switch name {
		case "victim-truncated":
			err = os.WriteFile(path, []byte(sleeperPod(name)[:len(sleeperPod(name))/2]), 0o644)
		case "victim-empty":
			err = os.WriteFile(path, nil, 0o644)
		case "victim-separator":
			err = os.WriteFile(path, []byte("---\n"), 0o644)
		case "victim-binary":
			err = os.WriteFile(path, []byte("\x7fELF\x02\x01\x01\x00junk"), 0o644)
		case "victim-directory":
			err = a.swapIn(name+".yaml", func(tmp string) error { return os.Mkdir(tmp, 0o755) })
		}
		if err != nil {
			a.t.Fatalf("break %s: %v", name, err)
		}
	}
}

// waitVictimsKept waits until /errors reports every victim's file with its pod kept.
func (a *agent) waitVictimsKept() {
	a.t.Helper()
	a.eventually("each broken manifest reported, its pod kept", func() (bool, string) {
		kept := 0
		errs := a.manifestErrors()
		for _, e := range errs {
			if strings.HasPrefix(filepath.Base(e.File), "victim-") && strings.HasSuffix(e.Message, "the previous version keeps running") {
				kept++
			}
		}
		return kept == len(victimNames), fmt.Sprintf("%v", errs)
	})
}

// repairVictims writes back each victim's original manifest and waits until no error is left.
func (a *agent) repairVictims() {
	a.t.Helper()
	for _, name := range victimNames {
		content := sleeperPod(name)
		if err := a.swapIn(name+".yaml", func(tmp string) error { return os.WriteFile(tmp, []byte(content), 0o644) }); err != nil {
			a.t.Fatalf("repair %s: %v", name, err)
		}
	}
	a.eventually("no manifest error once the files are repaired", func() (bool, string) {
		errs := a.manifestErrors()
		return len(errs) == 0, fmt.Sprintf("%v", errs)
	})
}

// checkGuard stops a guard and fails the test for whatever it saw.
func (a *agent) checkGuard(g *podGuard, when string) {
	a.t.Helper()
	_, problems, others, err := g.stop()
	if err != nil {
		a.t.Errorf("%s: %v", when, err)
	}
	for _, p := range problems {
		a.t.Errorf("%s: %s", when, p)
	}
	if len(others) > 0 {
		a.t.Errorf("%s: new pods %v", when, others)
	}
}

// swapIn replaces the manifest directory entry name with what make creates at a temporary
// name, atomically whatever either is (a file cannot be renamed over a directory, but two names
// can be exchanged), then removes what name was.
func (a *agent) swapIn(name string, make func(tmp string) error) error {
	path := filepath.Join(a.manifests, name)
	tmp := filepath.Join(a.manifests, "."+name+".swap")
	if err := make(tmp); err != nil {
		return err
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); err != nil {
		return fmt.Errorf("swap %s in: %w", name, err)
	}
	return os.RemoveAll(tmp)
}
