package volume

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// setOwnership gives a volume to the pod's fsGroup as kubelet does (SetVolumeOwnership): every
// file's group becomes fsGroup with group read and write, and directories get the setgid bit so
// that what the containers create there belongs to the group too. Like kubelet's OnRootMismatch
// policy, a volume whose root already has the group and setgid is left as it is. Symlinks are
// not followed.
func setOwnership(root string, fsGroup int64) error {
	var st unix.Stat_t
	if err := unix.Lstat(root, &st); err != nil {
		return fmt.Errorf("stat %s: %w", root, err)
	}
	if int64(st.Gid) == fsGroup && st.Mode&unix.S_ISGID != 0 {
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if err := os.Lchown(path, -1, int(fsGroup)); err != nil {
			return fmt.Errorf("chown %s: %w", path, err)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		perm := mode.Perm() | 0o060
		if mode.IsDir() {
			perm |= 0o010 | os.ModeSetgid
		}
		// os.Chmod keeps the sticky bit only when asked for it.
		perm |= mode & os.ModeSticky
		if err := os.Chmod(path, perm); err != nil {
			return fmt.Errorf("chmod %s: %w", path, err)
		}
		return nil
	})
}
