package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// The agent's root dir full: a pod created meanwhile says why it cannot start, the running pod is
// untouched, an agent restart on the full disk adopts everything, no checkpoint is torn or left
// half-written, and once space returns every pod converges.
func TestFaultDiskFull(t *testing.T) {
	a := startAgent(t, withRootOnTmpfs("64m"))
	a.writeManifest("before.yaml", sleeperPod("before"))
	before := a.waitRunning("default", "before")

	filler := fillDisk(t, a.root)
	a.writeManifest("during.yaml", sleeperPod("during"))
	full := a.waitPod("default", "during", "reports the full disk", func(p *v1.Pod) bool {
		if p.Status.Phase == v1.PodRunning {
			t.Fatalf("pod during runs on a full disk: %s", describe(p))
		}
		return mentionsNoSpace(p, a.events("default", "during"))
	})
	t.Logf("on the full disk: %s", describe(full))
	for _, e := range a.events("default", "during") {
		t.Logf("event %s %s: %s", e.Type, e.Reason, e.Message)
	}
	a.checkpointsWhole()
	a.restart()
	a.waitPod("default", "during", "still reports the full disk after an agent restart", func(p *v1.Pod) bool {
		return mentionsNoSpace(p, a.events("default", "during"))
	})
	if got := a.waitRunning("default", "before"); got.Status.ContainerStatuses[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID {
		t.Errorf("the running pod changed over an agent restart on the full disk: %s", describe(got))
	}

	// A container restart on the full disk: it restarts, but its back-off cannot be saved, which
	// the pod's events say; it is saved once space returns.
	a.killContainer(before.Status.ContainerStatuses[0].ContainerID)
	restarted := a.waitPod("default", "before", "restarts its killed container on the full disk", func(p *v1.Pod) bool {
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	a.eventually("a FailedCheckpoint event on the pod", func() (bool, string) {
		e := findEvent(a.events("default", "before"), "FailedCheckpoint")
		return e != nil && strings.Contains(e.Message, "no space left on device"), fmt.Sprintf("%+v", e)
	})
	a.checkpointsWhole()

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	during := a.waitRunning("default", "during")
	if got := a.waitRunning("default", "before"); got.Status.ContainerStatuses[0].ContainerID != restarted.Status.ContainerStatuses[0].ContainerID {
		t.Errorf("the running pod changed once space returned: %s", describe(got))
	}
	a.eventually("the back-off is saved in the pod's checkpoint once space returns", func() (bool, string) {
		var cp struct{ Backoff map[string]json.RawMessage }
		data, err := os.ReadFile(filepath.Join(a.root, "pods", string(before.UID), "checkpoint.json"))
		if err == nil {
			err = json.Unmarshal(data, &cp)
		}
		return err == nil && len(cp.Backoff) == 1, fmt.Sprintf("%s %v", data, err)
	})
	a.checkpointsWhole()
	a.removeManifest("during.yaml")
	a.removeManifest("before.yaml")
	a.waitGone("default", "during")
	a.waitGone("default", "before")
	for _, ip := range []string{before.Status.PodIP, during.Status.PodIP} {
		if _, err := os.Stat(a.ipamLease(ip)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("IPAM lease for %s left: %v", ip, err)
		}
	}
}

// withRootOnTmpfs gives the agent a root dir on a tmpfs of its own of the given size, unmounted
// once the agent's clean-up is done.
func withRootOnTmpfs(size string) agentOption {
	return func(a *agent) {
		t := a.t
		if err := os.MkdirAll(a.root, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount("tmpfs", a.root, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
			t.Fatalf("mount a tmpfs on %s: %v", a.root, err)
		}
		t.Cleanup(func() { // registered before the agent's clean-up, so it runs after it
			if err := syscall.Unmount(a.root, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", a.root, err)
			}
		})
	}
}

// fillDisk writes a file in dir until the file system is full and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 20, 4 << 10, 1} {
		chunk := make([]byte, size)
		for {
			if _, err = f.Write(chunk); err != nil {
				break
			}
		}
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("fill %s: %v", dir, err)
		}
	}
	return path
}

func mentionsNoSpace(p *v1.Pod, events []v1.Event) bool {
	if strings.Contains(describe(p), "no space left on device") {
		return true
	}
	for _, e := range events {
		if strings.Contains(e.Message, "no space left on device") {
			return true
		}
	}
	return false
}

// checkpointsWhole checks that every checkpoint under the root dir decodes and no temporary file
// of a checkpoint write is left.
func (a *agent) checkpointsWhole() {
	t := a.t
	t.Helper()
	err := filepath.WalkDir(a.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, "checkpoint.json.tmp"):
			t.Errorf("temporary checkpoint left: %s", path)
		case d.Name() == "checkpoint.json":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !json.Valid(data) || len(data) == 0 {
				t.Errorf("torn checkpoint %s: %q", path, data)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", a.root, err)
	}
}
