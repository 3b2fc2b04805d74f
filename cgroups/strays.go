package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killStrays SIGKILLs every process left in the cgroup dir or a cgroup below it and returns their
// PIDs. A pod's cgroup is removed once containerd holds none of its containers, so a process still
// in it is a stray nobody else will end: a `runc init` of a task whose creation was cut short by a
// containerd crash, say. Kubelet does the same before it destroys a pod's cgroup.
func killStrays(dir string) ([]int, error) {
	var killed []int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || !d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, field := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(field)
			if err != nil || pid <= 0 {
				continue
			}
			switch err := syscall.Kill(pid, syscall.SIGKILL); {
			case err == nil:
				killed = append(killed, pid)
			case !errors.Is(err, syscall.ESRCH): // gone meanwhile: nothing to do
				return fmt.Errorf("kill stray process %d in cgroup %s: %w", pid, path, err)
			}
		}
		return nil
	})
	if err != nil {
		return killed, fmt.Errorf("kill stray processes in cgroup %s: %w", dir, err)
	}
	return killed, nil
}
