package volume

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// SetAllowedHostPaths limits hostPath volumes to these host directories (--allowed-host-paths):
// absolute, cleaned paths. Empty allows any hostPath, as kubelet does.
func (m *Manager) SetAllowedHostPaths(prefixes []string) {
	m.allowedHostPaths = append([]string(nil), prefixes...)
}

// allowedPrefix returns the allowed directory path lies in, and path relative to it; ok is false
// when path is outside them all.
func allowedPrefix(prefixes []string, path string) (prefix, rel string, ok bool) {
	path = filepath.Clean(path)
	for _, p := range prefixes {
		if path == p {
			return p, ".", true
		}
		if strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			r, err := filepath.Rel(p, path)
			if err == nil {
				return p, r, true
			}
		}
	}
	return "", "", false
}

// hostPathResolve follows symlinks only while they stay beneath the allowed directory.
const hostPathResolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// createBeneath makes a missing hostPath of an *OrCreate type beneath its allowed directory, never
// through a symlink leading out of it, and returns the type to check it against afterwards (the
// same without "OrCreate", so that the check by path creates nothing).
func createBeneath(prefix, rel string, typ v1.HostPathType) (v1.HostPathType, error) {
	if typ != v1.HostPathDirectoryOrCreate && typ != v1.HostPathFileOrCreate {
		return typ, nil
	}
	rootFd, err := unix.Open(prefix, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return typ, fmt.Errorf("open allowed host path %s: %w", prefix, err)
	}
	defer unix.Close(rootFd)
	if typ == v1.HostPathDirectoryOrCreate {
		if rel != "." {
			if err := mkdirBeneath(rootFd, rel, hostPathResolve); err != nil {
				return typ, fmt.Errorf("create hostPath directory: %w", err)
			}
		}
		return v1.HostPathDirectory, nil
	}
	if dir := filepath.Dir(rel); dir != "." {
		if err := mkdirBeneath(rootFd, dir, hostPathResolve); err != nil {
			return typ, fmt.Errorf("create hostPath file's directory: %w", err)
		}
	}
	fd, err := unix.Openat2(rootFd, rel, &unix.OpenHow{
		// O_EXCL: an existing file, FIFO or device is never opened (a FIFO would block for good).
		Flags: unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC, Mode: 0o644, Resolve: hostPathResolve})
	if err != nil && !errors.Is(err, unix.ELOOP) && !errors.Is(err, unix.EEXIST) { // checked when pinned
		return typ, fmt.Errorf("create hostPath file: %w", err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return v1.HostPathFile, nil
}

// pinHostPath opens the hostPath beneath its allowed directory, following symlinks only while they
// stay beneath it, and bind-mounts what it opened onto target. The container gets that pinned
// mount, so a symlink swapped into the path after the check leads nowhere new.
func pinHostPath(prefix, rel, target string) error {
	rootFd, err := unix.Open(prefix, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open allowed host path %s: %w", prefix, err)
	}
	defer unix.Close(rootFd)
	fd, err := unix.Openat2(rootFd, rel, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: hostPathResolve,
	})
	if err != nil {
		if errors.Is(err, unix.EXDEV) {
			return fmt.Errorf("refused: a symlink leads out of the allowed host path %s: %w", prefix, err)
		}
		return fmt.Errorf("open beneath the allowed host path %s: %w", prefix, err)
	}
	defer unix.Close(fd)
	// Recursive, as a hostPath bind is: mounts below the host directory come along.
	return bindFd(fd, target, unix.MS_BIND|unix.MS_REC)
}
