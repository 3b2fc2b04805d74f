// Package ociimage builds single-layer OCI images in pure Go, deterministically, and writes them as
// OCI image-layout archives that containerd imports. minikubelet has no registry to pull from on an
// offline machine, so it makes the images it needs (the pause image, busybox test images) itself.
package ociimage

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// File is one entry of an image's layer.
type File struct {
	Path string // absolute path in the image, e.g. "/bin/busybox"
	// Mode holds the permission bits plus fs.ModeDir or fs.ModeSymlink for directories and symlinks;
	// fs.ModeSetuid, fs.ModeSetgid and fs.ModeSticky are honoured (/tmp is fs.ModeDir|fs.ModeSticky|0o777).
	Mode     fs.FileMode
	Data     []byte // contents of a regular file
	Linkname string // target of a symlink
}

// Config is the part of the OCI image configuration a container runtime uses to run the image.
type Config struct {
	Entrypoint, Cmd, Env         []string
	WorkingDir, User, StopSignal string
	ExposedPorts                 []string // "80/tcp"
	Labels                       map[string]string
}

// Image is an image to build: one layer of Files plus its Config.
type Image struct {
	Name   string // fully qualified reference, e.g. "docker.io/library/busybox:1.35"
	Files  []File // one layer; parent directories are added automatically
	Config Config
}

// supportedModeBits are the fs.FileMode bits a layer entry may carry.
const supportedModeBits = fs.ModePerm | fs.ModeDir | fs.ModeSymlink | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// validate checks one file and returns its path in the layer: cleaned, without the leading "/".
func (f File) validate() (string, error) {
	if !path.IsAbs(f.Path) {
		return "", fmt.Errorf("file %q: path is not absolute", f.Path)
	}
	clean := strings.TrimPrefix(path.Clean(f.Path), "/")
	if clean == "" {
		return "", fmt.Errorf("file %q: the root directory cannot be an entry", f.Path)
	}
	if extra := f.Mode &^ supportedModeBits; extra != 0 {
		// Catches octal literals such as 0o1777, whose sticky bit is not fs.ModeSticky.
		return "", fmt.Errorf("file %q: mode %v has unsupported bits %#o", f.Path, f.Mode, uint32(extra))
	}
	switch f.Mode.Type() {
	case 0:
		if f.Linkname != "" {
			return "", fmt.Errorf("file %q: a regular file has no link name", f.Path)
		}
	case fs.ModeDir:
		if len(f.Data) > 0 || f.Linkname != "" {
			return "", fmt.Errorf("file %q: a directory has no data or link name", f.Path)
		}
	case fs.ModeSymlink:
		if f.Linkname == "" {
			return "", fmt.Errorf("file %q: symlink without a target", f.Path)
		}
		if len(f.Data) > 0 {
			return "", fmt.Errorf("file %q: a symlink has no data", f.Path)
		}
	default:
		return "", fmt.Errorf("file %q: unsupported file type %v", f.Path, f.Mode.Type())
	}
	return clean, nil
}
