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

// listManifests returns the absolute paths of the manifest files directly in dir, sorted.
// Symlinks are followed; anything that is not (or does not point to) a regular file is skipped,
// and so is a dangling symlink. The error wraps fs.ErrNotExist when dir does not exist.
func listManifests(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read manifest directory %s: %w", dir, err)
	}
	var paths []string
	for _, e := range entries {
		if !isManifestName(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch {
		case e.Type().IsRegular():
		case e.Type()&fs.ModeSymlink != 0:
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() {
				continue // dangling, or points at a directory or device
			}
		default:
			continue // directories (no recursion), sockets, fifos, devices
		}
		paths = append(paths, path)
	}
	sort.Strings(paths)
	return paths, nil
}

// readManifest reads a manifest file of at most maxFileSize bytes. A larger file is refused
// without being read into memory; the error is then a FileError for the whole file. The
// error wraps fs.ErrNotExist when the file vanished since it was listed. Unless insecure, a file
// others could write is refused (checkTrusted).
func readManifest(path string, insecure bool) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, FileError{File: path, Message: "not a regular file"}
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
