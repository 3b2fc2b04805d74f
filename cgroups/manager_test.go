package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// A fake v1 host: plain directories stand in for the hierarchies (the kernel's control files are
// created by the writes).
func fakeV1(t *testing.T) (Host, string) {
	dir := t.TempDir()
	h := Host{V1: map[string][]string{
		filepath.Join(dir, "cpu"):     {"cpu"},
		filepath.Join(dir, "memory"):  {"memory"},
		filepath.Join(dir, "systemd"): {"name=systemd"},
	}}
	return h, dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestManagerV1(t *testing.T) {
	h, dir := fakeV1(t)
	m := NewManagerFor(h, "/e2e", nil)
	pod := &v1.Pod{}
	pod.UID = "u1"
	pod.Spec.Containers = []v1.Container{{Resources: v1.ResourceRequirements{
		Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m"), v1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m"), v1.ResourceMemory: resource.MustParse("16Mi")},
	}}}
	got, err := m.EnsurePod(pod, v1.PodQOSGuaranteed)
	if err != nil {
		t.Fatal(err)
	}
	if got != "/e2e/kubepods/podu1" {
		t.Errorf("EnsurePod = %q", got)
	}
	cpu := filepath.Join(dir, "cpu", "e2e", "kubepods", "podu1")
	for file, want := range map[string]string{
		filepath.Join(cpu, "cpu.shares"):                                                  "256",
		filepath.Join(cpu, "cpu.cfs_period_us"):                                           "100000",
		filepath.Join(cpu, "cpu.cfs_quota_us"):                                            "25000",
		filepath.Join(dir, "memory", "e2e", "kubepods", "podu1", "memory.limit_in_bytes"): "16777216",
	} {
		if got := readFile(t, file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "systemd", "e2e", "kubepods", "podu1")); err != nil {
		t.Errorf("pod cgroup missing from a hierarchy: %v", err)
	}
	uids, err := m.Pods()
	if err != nil || len(uids) != 1 || uids[0] != "u1" {
		t.Errorf("Pods = %v, %v", uids, err)
	}
	// Control files are not removable on a real cgroup file system; rmdir takes them along. Here
	// they are plain files, so drop them first to see that the directories go.
	for _, sub := range []string{"cpu", "memory"} {
		d := filepath.Join(dir, sub, "e2e", "kubepods", "podu1")
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			os.Remove(filepath.Join(d, e.Name()))
		}
	}
	if err := m.RemovePod("u1"); err != nil {
		t.Fatal(err)
	}
	for mount := range h.V1 {
		if _, err := os.Stat(filepath.Join(mount, "e2e", "kubepods", "podu1")); !os.IsNotExist(err) {
			t.Errorf("pod cgroup left in %s: %v", mount, err)
		}
	}
	if err := m.RemovePod("u1"); err != nil {
		t.Errorf("second RemovePod: %v", err)
	}
}

func TestParseV1Mounts(t *testing.T) {
	info := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
42 31 0:39 /nested /mnt/x rw,relatime - cgroup cgroup rw,memory
`
	got := parseV1Mounts([]byte(info))
	want := map[string]string{
		"/sys/fs/cgroup/cpu":         "cpu",
		"/sys/fs/cgroup/cpu,cpuacct": "cpu,cpuacct",
		"/sys/fs/cgroup/systemd":     "name=systemd",
		"/sys/fs/cgroup/unified":     "",
	}
	if len(got) != len(want) {
		t.Fatalf("parseV1Mounts = %v", got)
	}
	for mount, cs := range want {
		if strings.Join(got[mount], ",") != cs {
			t.Errorf("%s: %v, want %s", mount, got[mount], cs)
		}
	}
}

func TestOOMKillCount(t *testing.T) {
	v1 := "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
	v2 := "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n"
	if n := oomKillCount([]byte(v1)); n != 2 {
		t.Errorf("v1: %d", n)
	}
	if n := oomKillCount([]byte(v2)); n != 1 {
		t.Errorf("v2: %d", n)
	}
	if n := oomKillCount([]byte("oom_kill_disable 0\n")); n != 0 {
		t.Errorf("old kernel: %d", n)
	}
}

// A fake v2 host: the levels that exist carry cgroup.controllers, as the kernel's would.
func TestManagerV2(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{root, filepath.Join(root, "kubepods"), filepath.Join(root, "kubepods", "burstable")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte("cpu memory pids\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := NewManagerFor(Host{Unified: root}, "/", nil)
	pod := &v1.Pod{}
	pod.UID = "u2"
	pod.Spec.Containers = []v1.Container{{Resources: v1.ResourceRequirements{
		Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("1")},
		Limits:   v1.ResourceList{v1.ResourceCPU: resource.MustParse("2"), v1.ResourceMemory: resource.MustParse("64Mi")},
	}}}
	got, err := m.EnsurePod(pod, v1.PodQOSBurstable)
	if err != nil {
		t.Fatal(err)
	}
	if got != "/kubepods/burstable/podu2" {
		t.Errorf("EnsurePod = %q", got)
	}
	dir := filepath.Join(root, "kubepods", "burstable", "podu2")
	for file, want := range map[string]string{
		"cpu.weight": "39", // 1024 shares
		"cpu.max":    "200000 100000",
		"memory.max": "67108864",
	} {
		if got := readFile(t, filepath.Join(dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	// Each level handed its controllers down (the fake file keeps only the last write).
	if got := readFile(t, filepath.Join(root, "kubepods", "burstable", "cgroup.subtree_control")); got != "+pids" {
		t.Errorf("burstable subtree_control = %q", got)
	}
}
