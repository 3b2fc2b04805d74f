package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkTrusted refuses a manifest file that someone other than root (or the agent's own user)
// could have written: a manifest runs whatever it names as root, privileged if it asks, so the
// file is as sensitive as the agent's binary. info is the opened file's (a symlink's target).
// --insecure-manifests skips the check.
func checkTrusted(path string, info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return FileError{File: path, Message: fmt.Sprintf(
			"refused: mode %04o lets group or others write it, and whoever writes a manifest runs pods as root; chmod go-w the file, or run with --insecure-manifests", perm)}
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return FileError{File: path, Message: fmt.Sprintf(
			"refused: owned by uid %d, not root, and whoever writes a manifest runs pods as root; chown root the file, or run with --insecure-manifests", st.Uid)}
	}
	return nil
}
