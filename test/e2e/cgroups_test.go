package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/cgroups"
)

func cgroupHost(t *testing.T) cgroups.Host {
	t.Helper()
	h, err := cgroups.DetectHost()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// podCgroups lists the pod cgroups under the agent's kubepods, in every hierarchy.
func (a *agent) podCgroups() []string {
	h := cgroupHost(a.t)
	var out []string
	for _, qos := range []v1.PodQOSClass{v1.PodQOSGuaranteed, v1.PodQOSBurstable, v1.PodQOSBestEffort} {
		for _, dir := range h.Dirs(cgroups.QoSParent(a.cgroupRoot, qos)) {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.IsDir() && strings.HasPrefix(e.Name(), "pod") {
					out = append(out, filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	return out
}

// podCgroup is the pod's cgroup path by its reported QoS class.
func (a *agent) podCgroup(p *v1.Pod) string {
	return cgroups.PodPath(a.cgroupRoot, p.Status.QOSClass, p.UID)
}

// containerCgroup is the cgroup of a container by its name in the pod's status.
func (a *agent) containerCgroup(p *v1.Pod, name string) string {
	a.t.Helper()
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name {
			_, id, _ := strings.Cut(cs.ContainerID, "://")
			return cgroups.ContainerPath(a.podCgroup(p), id)
		}
	}
	a.t.Fatalf("no container %s in %s", name, describe(p))
	return ""
}

// cgroupFile reads a control file of a cgroup in the hierarchy of controller.
func cgroupFile(t *testing.T, controller, cgroup, file string) string {
	t.Helper()
	dir := cgroupHost(t).ControllerDir(controller, cgroup)
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// statField reads "key value" lines (cpu.stat, memory.events).
func statField(t *testing.T, text, key string) int64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in:\n%s", key, text)
	return 0
}

// removeCgroupRoot removes what is left of an agent's cgroup root, deepest first, so a failed
// test leaves no cgroup behind.
func removeCgroupRoot(t *testing.T, root string) {
	h, err := cgroups.DetectHost()
	if err != nil {
		return
	}
	var rm func(dir string) error
	rm = func(dir string) error {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		for _, e := range entries {
			if e.IsDir() {
				if err := rm(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	for _, dir := range h.Dirs(root) {
		if err := rm(dir); err != nil {
			t.Errorf("remove test cgroup root: %v", err)
		}
	}
}
