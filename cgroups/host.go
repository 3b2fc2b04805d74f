package cgroups

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Host is how the machine's cgroups are mounted: the unified (v2) hierarchy, or the v1 hierarchies,
// each with the controllers it carries.
type Host struct {
	// Unified is the cgroup2 mount point when the host runs cgroup v2 alone.
	Unified string
	// V1 maps each v1 hierarchy's mount point to its controllers ("cpu", "memory",
	// "name=systemd", ...). On a hybrid host the cgroup2 mount beside them is here too, with no
	// controllers: runc makes every cgroup path in it as well. Empty on a v2 host.
	V1 map[string][]string
}

// IsV2 says the host runs the unified hierarchy only.
func (h Host) IsV2() bool { return h.Unified != "" }

// DetectHost reads how cgroups are mounted. A host is v2 when /sys/fs/cgroup itself is the cgroup2
// mount (it has cgroup.controllers); a hybrid host, with v1 controllers beside a v2 mount, is v1,
// as runc sees it.
func DetectHost() (Host, error) {
	const mountRoot = "/sys/fs/cgroup"
	if _, err := os.Stat(filepath.Join(mountRoot, "cgroup.controllers")); err == nil {
		return Host{Unified: mountRoot}, nil
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return Host{}, fmt.Errorf("read mountinfo: %w", err)
	}
	h := Host{V1: parseV1Mounts(data)}
	if len(h.V1) == 0 {
		return Host{}, fmt.Errorf("no cgroup v1 or v2 hierarchy mounted at %s", mountRoot)
	}
	return h, nil
}

// parseV1Mounts finds the cgroup v1 hierarchies (and a hybrid host's cgroup2 mount, without
// controllers) in mountinfo text, keyed by mount point. Only hierarchies mounted at their root
// ("/") are usable for absolute cgroup paths.
func parseV1Mounts(mountinfo []byte) map[string][]string {
	out := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		// 32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(tail) < 3 || fields[3] != "/" {
			continue
		}
		if tail[0] == "cgroup2" {
			out[fields[4]] = nil
			continue
		}
		if tail[0] != "cgroup" {
			continue
		}
		var controllers []string
		for _, opt := range strings.Split(tail[2], ",") {
			switch opt {
			case "rw", "ro", "relatime", "noexec", "nosuid", "nodev", "clone_children", "xattr":
				continue
			}
			if strings.HasPrefix(opt, "release_agent=") {
				continue
			}
			controllers = append(controllers, opt)
		}
		out[fields[4]] = controllers
	}
	return out
}

// Dirs are a cgroup's directories in every hierarchy.
func (h Host) Dirs(cgroup string) []string {
	if h.IsV2() {
		return []string{filepath.Join(h.Unified, cgroup)}
	}
	out := make([]string, 0, len(h.V1))
	for mount := range h.V1 {
		out = append(out, filepath.Join(mount, cgroup))
	}
	return out
}

// ControllerDir is a cgroup's directory in the hierarchy that carries controller; "" when none
// does.
func (h Host) ControllerDir(controller, cgroup string) string {
	if h.IsV2() {
		return filepath.Join(h.Unified, cgroup)
	}
	for mount, cs := range h.V1 {
		for _, c := range cs {
			if c == controller {
				return filepath.Join(mount, cgroup)
			}
		}
	}
	return ""
}

// SwapAccounting says the kernel limits swap per cgroup: always on v2 (runc ignores a missing
// memory.swap.max), on v1 only with memory.memsw.* files (swapaccount=1).
func (h Host) SwapAccounting() bool {
	if h.IsV2() {
		return true
	}
	dir := h.ControllerDir("memory", "/")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
	return err == nil
}

// MemoryCapacity is the node's memory in bytes (MemTotal), against which kubelet scales the OOM
// score of Burstable containers.
func MemoryCapacity() (int64, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("read meminfo: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse MemTotal %q: %w", rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no MemTotal in /proc/meminfo")
}
