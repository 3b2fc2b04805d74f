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

// OOMKills is how many processes of a cgroup the kernel's OOM killer has killed: oom_kill in
// memory.oom_control on v1, in memory.events on v2. It lets a container's exit be told apart as
// OOMKilled even when the runtime's OOM event was missed (the agent was down).
func (h Host) OOMKills(cgroup string) (uint64, error) {
	file := "memory.oom_control"
	if h.IsV2() {
		file = "memory.events"
	}
	dir := h.ControllerDir("memory", cgroup)
	if dir == "" {
		return 0, fmt.Errorf("no memory controller for cgroup %s", cgroup)
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return 0, fmt.Errorf("read %s of %s: %w", file, cgroup, err)
	}
	return oomKillCount(data), nil
}

// oomKillCount reads the "oom_kill N" line of memory.oom_control or memory.events.
func oomKillCount(data []byte) uint64 {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), " ")
		if ok && key == "oom_kill" {
			n, _ := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
			return n
		}
	}
	return 0
}
