package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// emptyDirMode is an emptyDir's root as kubelet makes it: writable by any user in the pod.
const emptyDirMode = 0o777

// createEmptyDir makes the directory of an emptyDir on disk once, and leaves an existing one as
// it is. The pod's fsGroup is applied as kubelet's SetVolumeOwnership would on an empty volume:
// the root gets the group, group write and the setgid bit, so that what the containers create
// there belongs to the group. Only the root is touched, and only while the agent alone can reach
// it: the directory is made under a temporary name, set up through its file descriptor and then
// renamed into place, so a crash leaves either no volume or a finished one. The tree is never
// walked afterwards, since its contents belong to the containers, which could swap any path in it
// for a symlink to a host file.
func createEmptyDir(path string, fsGroup *int64) error {
	if _, err := os.Lstat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("stat emptyDir: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create emptyDir parent: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(path), ".new-"+filepath.Base(path))
	// A leftover of a crash is empty: nothing was ever mounted into it.
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove unfinished emptyDir: %w", err)
	}
	if err := unix.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("create emptyDir: %w", err)
	}
	if err := setRootOwnership(tmp, fsGroup); err != nil {
		return err
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE); err != nil {
		return fmt.Errorf("rename emptyDir into place: %w", err)
	}
	return nil
}

// setRootOwnership gives the directory at path the emptyDir mode and, with an fsGroup, the group
// and the setgid bit, through a descriptor opened without following a symlink.
func setRootOwnership(path string, fsGroup *int64) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open emptyDir: %w", err)
	}
	defer unix.Close(fd)
	mode := uint32(emptyDirMode)
	if fsGroup != nil {
		if err := unix.Fchown(fd, -1, int(*fsGroup)); err != nil {
			return fmt.Errorf("fsGroup: chown emptyDir: %w", err)
		}
		mode |= unix.S_ISGID
	}
	if err := unix.Fchmod(fd, mode); err != nil {
		return fmt.Errorf("chmod emptyDir: %w", err)
	}
	return nil
}

// tmpfsOwnership is the mount options giving a tmpfs root the same mode and group as
// setRootOwnership gives a directory, set by the mount itself.
func tmpfsOwnership(fsGroup *int64) string {
	if fsGroup == nil {
		return fmt.Sprintf("mode=%o", emptyDirMode)
	}
	return fmt.Sprintf("mode=%o,gid=%d", emptyDirMode|unix.S_ISGID, *fsGroup)
}
