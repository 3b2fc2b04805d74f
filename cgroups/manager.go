package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Manager creates and removes pod cgroups under a cgroup root (kubelet's --cgroup-root, "/" by
// default). It keeps no state besides the host's layout: the cgroup file system is the record.
type Manager struct {
	host Host
	root string
	log  *slog.Logger
}

// NewManager detects the host's cgroups.
func NewManager(root string, log *slog.Logger) (*Manager, error) {
	host, err := DetectHost()
	if err != nil {
		return nil, err
	}
	return NewManagerFor(host, root, log), nil
}

// NewManagerFor manages pod cgroups on a known host layout (tests point it at a temporary tree).
func NewManagerFor(host Host, root string, log *slog.Logger) *Manager {
	if root == "" {
		root = "/"
	}
	if log == nil {
		log = slog.Default()
	}
	return &Manager{host: host, root: path.Clean("/" + root), log: log}
}

// Host is the layout the manager works on.
func (m *Manager) Host() Host { return m.host }

// EnsurePod creates the pod's cgroup (and its QoS parents) and writes the pod-level limits; it
// returns the cgroup path the pod's containers go under. It is idempotent.
func (m *Manager) EnsurePod(pod *v1.Pod, qos v1.PodQOSClass) (string, error) {
	p := PodPath(m.root, qos, pod.UID)
	if err := m.create(p); err != nil {
		return "", fmt.Errorf("create pod cgroup %s: %w", p, err)
	}
	if qos == v1.PodQOSBestEffort {
		// kubelet gives the BestEffort parent the minimum share of CPU.
		if err := m.apply(QoSParent(m.root, qos), Resources{CPUShares: MinShares}); err != nil {
			return "", fmt.Errorf("limit BestEffort cgroup: %w", err)
		}
	}
	if err := m.apply(p, PodResources(pod, qos)); err != nil {
		return "", fmt.Errorf("limit pod cgroup %s: %w", p, err)
	}
	return p, nil
}

// create makes the cgroup and any missing parent in every hierarchy. On v1 a new cpuset cgroup
// copies its parent's CPUs and memory nodes (it can hold no task while they are empty); on v2 each
// level enables its parent's controllers for its children.
func (m *Manager) create(cgroup string) error {
	if m.host.IsV2() {
		return m.createV2(cgroup)
	}
	for _, dir := range m.host.Dirs(cgroup) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if cpuset := m.host.ControllerDir("cpuset", "/"); cpuset != "" {
		return copyCpuset(cpuset, cgroup)
	}
	return nil
}

func copyCpuset(mount, cgroup string) error {
	parts := strings.Split(strings.Trim(cgroup, "/"), "/")
	dir := mount
	for _, part := range parts {
		parent := dir
		dir = filepath.Join(dir, part)
		for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
			cur, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				return fmt.Errorf("read %s: %w", file, err)
			}
			if strings.TrimSpace(string(cur)) != "" {
				continue
			}
			val, err := os.ReadFile(filepath.Join(parent, file))
			if err != nil {
				return fmt.Errorf("read %s: %w", file, err)
			}
			if err := os.WriteFile(filepath.Join(dir, file), val, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", filepath.Join(dir, file), err)
			}
		}
	}
	return nil
}

func (m *Manager) createV2(cgroup string) error {
	dir := m.host.Unified
	for _, part := range strings.Split(strings.Trim(cgroup, "/"), "/") {
		if err := enableControllers(dir, m.log); err != nil {
			return err
		}
		dir = filepath.Join(dir, part)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	return nil
}

// enableControllers hands a v2 cgroup's controllers down to its children. cpu and memory are
// required (the pod limits live there); the others are best effort: the kernel refuses some in
// some set-ups (cpu with realtime tasks outside the root, for one) and runc does without them.
func enableControllers(dir string, log *slog.Logger) error {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return fmt.Errorf("read controllers of %s: %w", dir, err)
	}
	enabled, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	have := strings.Fields(string(enabled))
	for _, c := range strings.Fields(string(data)) {
		if contains(have, c) {
			continue
		}
		err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+"+c), 0o644)
		switch {
		case err == nil:
		case c == "cpu" || c == "memory":
			return fmt.Errorf("enable controller %s in %s: %w", c, dir, err)
		default:
			log.Warn("cgroup controller not enabled", "controller", c, "cgroup", dir, "err", err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// apply writes the limits that are set into the cgroup's files.
func (m *Manager) apply(cgroup string, r Resources) error {
	type write struct{ controller, file, value string }
	var writes []write
	if m.host.IsV2() {
		if r.CPUShares > 0 {
			writes = append(writes, write{"cpu", "cpu.weight", strconv.FormatUint(SharesToWeight(r.CPUShares), 10)})
		}
		if r.CPUQuota > 0 {
			writes = append(writes, write{"cpu", "cpu.max", fmt.Sprintf("%d %d", r.CPUQuota, r.CPUPeriod)})
		}
		if r.MemoryLimit > 0 {
			writes = append(writes, write{"memory", "memory.max", strconv.FormatInt(r.MemoryLimit, 10)})
		}
	} else {
		if r.CPUShares > 0 {
			writes = append(writes, write{"cpu", "cpu.shares", strconv.FormatUint(r.CPUShares, 10)})
		}
		if r.CPUQuota > 0 { // the period first: the kernel checks the quota against it
			writes = append(writes, write{"cpu", "cpu.cfs_period_us", strconv.FormatUint(r.CPUPeriod, 10)},
				write{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(r.CPUQuota, 10)})
		}
		if r.MemoryLimit > 0 {
			writes = append(writes, write{"memory", "memory.limit_in_bytes", strconv.FormatInt(r.MemoryLimit, 10)})
		}
	}
	for _, w := range writes {
		dir := m.host.ControllerDir(w.controller, cgroup)
		if dir == "" {
			m.log.Warn("cgroup controller not mounted; limit not applied", "controller", w.controller, "file", w.file, "cgroup", cgroup)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, w.file), []byte(w.value), 0o644); err != nil {
			return fmt.Errorf("write %s=%s: %w", w.file, w.value, err)
		}
	}
	return nil
}

// RemovePod removes the cgroup of a pod the agent ran from every hierarchy, wherever its QoS class
// put it, with any container cgroup runc left under it. A cgroup that still holds a process once
// the pod's containers are gone has its strays killed first (see killStrays). Not found is success.
func (m *Manager) RemovePod(uid types.UID) error { return m.removePod(uid, true) }

// RemoveUnclaimed removes a pod cgroup found under the root that no pod of the agent claims,
// killing nothing: another kubelet's cgroupfs driver uses the same paths, so a busy one is left.
func (m *Manager) RemoveUnclaimed(uid types.UID) error { return m.removePod(uid, false) }

func (m *Manager) removePod(uid types.UID, killLeftovers bool) error {
	var errs []error
	for _, p := range podPaths(m.root, uid) {
		for _, dir := range m.host.Dirs(p) {
			err := removeTree(dir)
			if err != nil && killLeftovers {
				killed, kerr := killStrays(dir)
				if len(killed) > 0 {
					m.log.Warn("killed processes left in a removed pod's cgroup", "uid", string(uid), "cgroup", dir, "pids", killed)
					err = removeTree(dir)
				}
				err = errors.Join(err, kerr)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove cgroup of pod %s: %w", uid, err)
	}
	return nil
}

// Pods lists the UIDs of the pod cgroups under the root, for sweeping orphans.
func (m *Manager) Pods() ([]types.UID, error) {
	seen := map[types.UID]bool{}
	var out []types.UID
	for _, qos := range []v1.PodQOSClass{v1.PodQOSGuaranteed, v1.PodQOSBurstable, v1.PodQOSBestEffort} {
		for _, dir := range m.host.Dirs(QoSParent(m.root, qos)) {
			entries, err := os.ReadDir(dir)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("list pod cgroups: %w", err)
			}
			for _, e := range entries {
				uid, ok := strings.CutPrefix(e.Name(), "pod")
				if !e.IsDir() || !ok || seen[types.UID(uid)] {
					continue
				}
				seen[types.UID(uid)] = true
				out = append(out, types.UID(uid))
			}
		}
	}
	return out, nil
}

// removeTree removes a cgroup directory and its child cgroups, deepest first. A cgroup whose last
// task has just exited can be busy for a moment, so each rmdir is retried briefly.
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	delay := 10 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err = os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if attempt == 5 {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		time.Sleep(delay)
		delay *= 2
	}
}
