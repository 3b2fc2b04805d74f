package deploy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/sys/mountinfo"
)

// podsLeft lists what in the state directory shows pods still exist: pods and sandboxes on record,
// and anything mounted below it (network namespaces, /dev/shm, memory-backed emptyDirs). Purging
// those would pull the state from under running pods, so uninstall --purge refuses.
func podsLeft(stateDir string) ([]string, error) {
	var left []string
	for _, sub := range []string{"pods", "sandboxes"} {
		entries, err := os.ReadDir(filepath.Join(stateDir, sub))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", filepath.Join(stateDir, sub), err)
		}
		for _, e := range entries {
			left = append(left, filepath.Join(stateDir, sub, e.Name()))
		}
	}
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(stateDir))
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	for _, m := range mounts {
		left = append(left, "mount "+m.Mountpoint)
	}
	return left, nil
}
