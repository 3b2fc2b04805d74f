package sandbox

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// shmSize is the pod's /dev/shm, as containerd's CRI plugin sizes it.
const shmSize = "65536k"

// mountShm mounts the pod's shared /dev/shm: a tmpfs every container of the pod bind-mounts, so
// that POSIX shared memory works across the pod's shared IPC namespace.
func mountShm(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fmt.Errorf("create shm dir: %w", err)
	}
	if err := unix.Mount("shm", path, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size="+shmSize); err != nil {
		return fmt.Errorf("mount pod shm: %w", err)
	}
	return nil
}

// unmountShm undoes mountShm; not mounted or missing is success.
func unmountShm(path string) error {
	for {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			return nil // not (or no longer) a mount point
		}
		if err != nil {
			return fmt.Errorf("unmount pod shm %s: %w", path, err)
		}
	}
}
