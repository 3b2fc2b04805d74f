package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveFlags refuse any symlink and any escape from the volume root.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// pinSubPath opens subPath beneath root without following symlinks (creating missing directories
// the same way), then bind-mounts the opened file onto target.
func pinSubPath(root, subPath, target string) error {
	fd, err := openSubPath(root, subPath)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return bindFd(fd, target, unix.MS_BIND)
}

// openSubPath resolves subPath beneath root without following symlinks, creating missing
// directories the same way, and returns an O_PATH descriptor of what it names.
func openSubPath(root, subPath string) (int, error) {
	if filepath.IsAbs(subPath) || strings.Split(filepath.ToSlash(subPath), "/")[0] == ".." {
		return -1, errors.New("must be a relative path inside the volume")
	}
	rootFd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open volume root %s: %w", root, err)
	}
	defer unix.Close(rootFd)
	fd, err := openBeneath(rootFd, subPath)
	if errors.Is(err, unix.ENOENT) {
		if err := mkdirBeneath(rootFd, subPath, resolveFlags); err != nil {
			return -1, err
		}
		fd, err = openBeneath(rootFd, subPath)
	}
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV) {
			return -1, fmt.Errorf("refused: it goes through a symlink or leaves the volume: %w", err)
		}
		return -1, fmt.Errorf("open beneath the volume: %w", err)
	}
	return fd, nil
}

// bindFd bind-mounts the file or directory open at fd onto target (made of the same kind), so
// that what is mounted is what was opened, whatever its path has become since.
func bindFd(fd int, target string, flags uintptr) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if err := prepareTarget(target, st.Mode&unix.S_IFMT == unix.S_IFDIR); err != nil {
		return err
	}
	src := fmt.Sprintf("/proc/self/fd/%d", fd)
	if err := unix.Mount(src, target, "", flags, ""); err != nil {
		return fmt.Errorf("bind-mount onto %s: %w", target, err)
	}
	// On a shared / the bind joins its source's peer group, and unmounting what came along below
	// it (a recursive hostPath bind) at teardown would unmount the host's own mounts too. A slave
	// still sees the host's mounts come and go, but sends nothing back.
	if err := unix.Mount("", target, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		_ = unix.Unmount(target, unix.MNT_DETACH)
		return fmt.Errorf("make %s a slave mount: %w", target, err)
	}
	return nil
}

func openBeneath(rootFd int, path string) (int, error) {
	return unix.Openat2(rootFd, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: resolveFlags,
	})
}

// mkdirBeneath creates each missing component of path below rootFd, each parent opened with the
// resolve flags given (resolveFlags for a subPath).
func mkdirBeneath(rootFd int, path string, resolve uint64) error {
	parts := strings.Split(filepath.Clean(path), "/")
	for i := range parts {
		parent := filepath.Join(parts[:i]...)
		pfd := rootFd
		if parent != "" {
			fd, err := unix.Openat2(rootFd, parent, &unix.OpenHow{
				Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolve})
			if err != nil {
				return fmt.Errorf("open %s beneath the volume: %w", parent, err)
			}
			defer unix.Close(fd)
			pfd = fd
		}
		if err := unix.Mkdirat(pfd, parts[i], 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("create %s beneath the volume: %w", filepath.Join(parts[:i+1]...), err)
		}
	}
	return nil
}

// prepareTarget makes an empty mount point of the right kind, first unmounting what an earlier
// attempt pinned there.
func prepareTarget(target string, dir bool) error {
	for {
		if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
			break
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return fmt.Errorf("create subpath mount point: %w", err)
	}
	if dir {
		if err := os.MkdirAll(target, 0o750); err != nil {
			return fmt.Errorf("create subpath mount point: %w", err)
		}
		return nil
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("create subpath mount point: %w", err)
	}
	return f.Close()
}

// unmountBelow unmounts every mount at or below dir, deepest first, from /proc/self/mountinfo.
func unmountBelow(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		p := unescapeMountPath(f[4])
		if p == dir || strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	// Deepest first; a path mounted twice is unmounted twice.
	sort.SliceStable(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("unmount %s: %w", p, err)
		}
	}
	return nil
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for space and so on).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
