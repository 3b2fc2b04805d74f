package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"
)

// epoch is the timestamp of every layer entry, so the same files always give the same layer.
var epoch = time.Unix(0, 0).UTC()

// defaultDirMode is the mode of the parent directories added automatically.
const defaultDirMode = fs.ModeDir | 0o755

// layerTar builds the uncompressed layer: every file plus the parent directories not listed,
// sorted by path (so a parent precedes its children), owned by 0:0, stamped with the epoch.
func layerTar(files []File) ([]byte, error) {
	entries, err := layerEntries(files)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range names {
		f := entries[name]
		hdr := tarHeader(name, f)
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("layer entry %q: %w", f.Path, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, fmt.Errorf("layer entry %q: %w", f.Path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("finish layer: %w", err)
	}
	return buf.Bytes(), nil
}

// layerEntries validates the files and adds their missing parent directories, keyed by the path in
// the layer ("bin/busybox"). A path listed twice, or a parent that is not a directory, is an error.
func layerEntries(files []File) (map[string]File, error) {
	entries := make(map[string]File, len(files))
	listed := make([]string, 0, len(files))
	for _, f := range files {
		name, err := f.validate()
		if err != nil {
			return nil, err
		}
		if _, dup := entries[name]; dup {
			return nil, fmt.Errorf("file %q: listed twice", f.Path)
		}
		entries[name] = f
		listed = append(listed, name)
	}
	for _, name := range listed {
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			parent, ok := entries[dir]
			if !ok {
				entries[dir] = File{Path: "/" + dir, Mode: defaultDirMode}
				continue
			}
			if !parent.Mode.IsDir() {
				return nil, fmt.Errorf("file %q: parent %q is not a directory", entries[name].Path, parent.Path)
			}
		}
	}
	return entries, nil
}

func tarHeader(name string, f File) *tar.Header {
	hdr := &tar.Header{
		Name:    name,
		Mode:    tarMode(f.Mode),
		ModTime: epoch,
		Format:  tar.FormatPAX,
	}
	switch f.Mode.Type() {
	case fs.ModeDir:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case fs.ModeSymlink:
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = f.Linkname
	default:
		hdr.Typeflag = tar.TypeReg
		hdr.Size = int64(len(f.Data))
	}
	return hdr
}

// tarMode turns fs.FileMode's permission and special bits into the Unix mode a tar header holds.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
