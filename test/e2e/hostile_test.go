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

// A manifest that was valid and is broken while the agent is down (truncated, emptied, reduced to
// "---", replaced by binary junk or by a directory) keeps its pod across the restart, untouched,
// with an error saying the previous version keeps running; repairing the file changes nothing. A
// file removed while the agent is down does lose its pod. (Kubelet keeps a static pod's last good
// version; before, the agent removed these pods at start.)
func TestReliabilityHostileRestart(t *testing.T) {
	a := startAgent(t)
	breaks := map[string]func(path string) error{
		"victim-truncated": func(path string) error {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(path, data[:len(data)/2], 0o644)
		},
		"victim-empty":     func(path string) error { return os.WriteFile(path, nil, 0o644) },
		"victim-separator": func(path string) error { return os.WriteFile(path, []byte("---\n"), 0o644) },
		"victim-binary":    func(path string) error { return os.WriteFile(path, []byte("\x7fELF\x02\x01\x01\x00junk"), 0o644) },
		"victim-directory": func(path string) error {
			if err := os.Remove(path); err != nil {
				return err
			}
			return os.Mkdir(path, 0o755)
		},
	}
	a.writeManifest(hostile.SteadyFile, hostile.Steady)
	for name := range breaks {
		a.writeManifest(name+".yaml", sleeperPod(name))
	}
	a.writeManifest("removed.yaml", sleeperPod("removed"))
	before := []*v1.Pod{a.waitRunning("default", hostile.SteadyName)}
	for name := range breaks {
		before = append(before, a.waitRunning("default", name))
	}
	a.waitRunning("default", "removed")

	rounds := testenv.Count(1, 5)
	for round := 1; round <= rounds; round++ {
		start := time.Now()
		a.stop()
		for name, breakFile := range breaks {
			if err := breakFile(filepath.Join(a.manifests, name+".yaml")); err != nil {
				t.Fatalf("break %s: %v", name, err)
			}
		}
		if round == 1 {
			a.removeManifest("removed.yaml")
		}
		a.start()
		a.eventually("each broken manifest reported, its pod kept", func() (bool, string) {
			kept := 0
			errs := a.manifestErrors()
			for _, e := range errs {
				if strings.HasPrefix(filepath.Base(e.File), "victim-") && strings.HasSuffix(e.Message, "the previous version keeps running") {
					kept++
				}
			}
			return kept == len(breaks), fmt.Sprintf("%v", errs)
		})
		a.waitGone("default", "removed")
		for _, was := range before {
			if problem := untouched(was, a.waitRunning(was.Namespace, was.Name), ""); problem != "" {
				t.Errorf("round %d, after the restart: %s", round, problem)
			}
		}
		// Repairing the files (the same content as before) must not move anything either.
		guard := a.guardPods(before...)
		for name := range breaks {
			a.repairManifest(name+".yaml", sleeperPod(name))
		}
		a.eventually("no manifest error once the files are repaired", func() (bool, string) {
			errs := a.manifestErrors()
			return len(errs) == 0, fmt.Sprintf("%v", errs)
		})
		_, problems, others, err := guard.stop()
		if err != nil {
			t.Error(err)
		}
		for _, p := range problems {
			t.Errorf("round %d, repairing the files: %s", round, p)
		}
		if len(others) > 0 {
			t.Errorf("round %d: new pods %v", round, others)
		}
		t.Logf("round %d/%d: %d broken files kept their pods across a restart, in %s", round, rounds, len(breaks), time.Since(start).Round(time.Millisecond))
	}
	if n := len(a.pods()); n != len(before) {
		t.Errorf("%d pods at the end, want %d", n, len(before))
	}
}

// repairManifest puts content in place of whatever the entry name is now, a file or a directory,
// atomically: the agent never sees the name missing, which would remove its pods.
func (a *agent) repairManifest(name, content string) {
	a.t.Helper()
	path := filepath.Join(a.manifests, name)
	info, err := os.Lstat(path)
	if err != nil || !info.IsDir() {
		a.writeManifest(name, content)
		return
	}
	tmp := filepath.Join(a.manifests, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		a.t.Fatal(err)
	}
	// A file cannot be renamed over a directory; swapping the two names is atomic.
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); err != nil {
		a.t.Fatalf("swap %s for a file: %v", name, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		a.t.Fatal(err)
	}
}
