package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxFileSize is the largest manifest file the source reads. Larger files are refused whole.
const maxFileSize = 1 << 20 // 1 MiB

// isManifestName reports whether a directory entry name is one the source reads: it ends in
// .yaml, .yml or .json, does not start with a dot, and is not an editor's swap or backup file.
func isManifestName(name string) bool {
	if strings.HasPrefix(name, ".") || isEditorFile(name) {
		return false
	}
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// isEditorFile reports names editors leave behind while a file is being edited:
// backups ("x.yaml~"), vim swap files ("x.yaml.swp") and emacs autosaves ("#x.yaml#").
func isEditorFile(name string) bool {
	return strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swx") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"))
}

// listManifests returns the absolute paths of the entries directly in dir whose names are
// manifest names, sorted, whatever they are: readManifest refuses, with a reason, the ones that
// are not (or do not lead to) a regular file, so that a directory, a FIFO or a dangling symlink
// named like a manifest is reported rather than silently ignored. The error wraps
// fs.ErrNotExist when dir does not exist.
func listManifests(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read manifest directory %s: %w", dir, err)
	}
	var paths []string
	for _, e := range entries {
		if isManifestName(e.Name()) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(paths)
	return paths, nil
}

// readManifest reads a manifest file of at most maxFileSize bytes. Anything but a regular file
// (or a symlink to one) is refused without being opened, so a FIFO or a device never blocks
// or feeds the scan; a larger file is refused without being read into memory. Unless insecure,
// a file others could write is refused (checkTrusted). Those errors are a FileError for the
// whole file. The error wraps fs.ErrNotExist when the entry itself vanished since it was listed
// (a dangling symlink is refused instead: the link is still there).
func readManifest(path string, insecure bool) ([]byte, error) {
	if fe, refused, err := checkRegular(path); err != nil || refused {
		if err != nil {
			return nil, err
		}
		return nil, fe
	}
	// O_NONBLOCK: if a FIFO replaced the file since checkRegular, opening it must not wait for a
	// writer. It changes nothing for a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, FileError{File: path, Message: "is " + describeMode(info.Mode()) + ", not a regular file; not read"}
	}
	if fsName := pseudoFilesystem(f); fsName != "" {
		return nil, FileError{File: path, Message: "is a kernel pseudo-file (" + fsName + "), not a manifest; not read"}
	}
	if !insecure {
		if err := checkTrusted(path, info); err != nil {
			return nil, err
		}
	}
	if info.Size() > maxFileSize {
		return nil, tooLarge(path, info.Size())
	}
	// The file may grow between Stat and Read: never read more than the limit plus one byte.
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, tooLarge(path, -1)
	}
	return data, nil
}

// checkRegular stats path, following symlinks, and explains why it is not a file to read:
// refused is true with a FileError for a directory, FIFO, socket or device, a dangling symlink
// or a symlink loop. err wraps fs.ErrNotExist when the entry itself is gone.
func checkRegular(path string) (fe FileError, refused bool, err error) {
	info, err := os.Stat(path)
	if err == nil {
		if info.Mode().IsRegular() {
			return FileError{}, false, nil
		}
		return FileError{File: path, Message: "is " + describeMode(info.Mode()) + ", not a regular file; not read"}, true, nil
	}
	linfo, lerr := os.Lstat(path)
	if lerr != nil || linfo.Mode()&fs.ModeSymlink == 0 {
		return FileError{}, false, fmt.Errorf("stat: %w", err) // gone, or unreadable for another reason
	}
	target, _ := os.Readlink(path)
	switch {
	case errors.Is(err, syscall.ELOOP):
		return FileError{File: path, Message: fmt.Sprintf("symlink loop (-> %s); not read", target)}, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return FileError{File: path, Message: fmt.Sprintf("dangling symlink: %s does not exist", target)}, true, nil
	}
	return FileError{File: path, Message: fmt.Sprintf("symlink to %s: %v", target, err)}, true, nil
}

// describeMode names the type of a file that is not a regular one, for error messages.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory (manifest directories are not recursed into)"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file (" + m.Type().String() + ")"
}

func tooLarge(path string, size int64) FileError {
	if size < 0 {
		return FileError{File: path, Message: fmt.Sprintf("file is larger than the limit of %d bytes (1 MiB)", maxFileSize)}
	}
	return FileError{File: path, Message: fmt.Sprintf("file is %d bytes, over the limit of %d bytes (1 MiB)", size, maxFileSize)}
}

// loadFile reads and decodes one manifest file. A file that cannot be read at all, or is
// empty (0 bytes), gives one FileError with Document 0; gone reports a file that vanished
// since it was listed.
func loadFile(path, nodeName string) (pods []docPod, errs []FileError, gone bool) {
	data, err := readManifest(path, false)
	return loadResult(path, data, err, nodeName)
}

// loadResult turns what reading a file gave into its pods and errors.
func loadResult(path string, data []byte, err error, nodeName string) (pods []docPod, errs []FileError, gone bool) {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, true
		}
		var fe FileError
		if !errors.As(err, &fe) {
			fe = FileError{File: path, Message: err.Error()}
		}
		return nil, []FileError{fe}, false
	}
	if len(data) == 0 {
		// Most often a file caught between truncate and write. Refusing it keeps the pods of
		// the previous version; removing the file is how to remove them.
		return nil, []FileError{{File: path, Message: "file is empty (still being written?); remove the file to remove its pods"}}, false
	}
	pods, errs = decodeFile(path, data, nodeName)
	return pods, errs, false
}

// pseudoFilesystem names the kernel pseudo-filesystem f is on, or returns "" for any other. A
// symlink into /proc or /sys leads to files that look regular but whose reads fail, block
// (/proc/kmsg) or consume something; they are refused before any read.
func pseudoFilesystem(f *os.File) string {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return ""
	}
	switch st.Type {
	case unix.PROC_SUPER_MAGIC:
		return "procfs"
	case unix.SYSFS_MAGIC:
		return "sysfs"
	case unix.DEBUGFS_MAGIC:
		return "debugfs"
	case unix.TRACEFS_MAGIC:
		return "tracefs"
	case unix.SECURITYFS_MAGIC:
		return "securityfs"
	case unix.CGROUP_SUPER_MAGIC, unix.CGROUP2_SUPER_MAGIC:
		return "cgroupfs"
	}
	return ""
}
