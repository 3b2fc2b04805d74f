package ociimage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteArchiveFile writes the images' archive to path atomically: into a hidden temporary file in
// the same directory, synced, then renamed over path. A directory watcher never sees a half-written
// archive, and on failure path is left as it was.
func WriteArchiveFile(path string, imgs ...Image) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreNotExist(os.Remove(tmp.Name())))
		}
	}()
	if err := WriteArchive(tmp, imgs...); err != nil {
		tmp.Close()
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write image archive %s: %w", path, err)
	}
	return nil
}

func ignoreNotExist(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
