// Package images builds the offline test and example images from Debian's static busybox, so tests
// and examples run with no registry in reach.
package images

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/minikubelet/minikubelet/ociimage"
)

// DefaultBusybox is where Debian's busybox-static installs the binary.
const DefaultBusybox = "/bin/busybox"

// The names the build program gives the busybox image.
const (
	BusyboxImage  = "docker.io/library/busybox:1.35"
	BusyboxLatest = "docker.io/library/busybox:latest"
)

// binaryInImage is where the image holds busybox; every applet links to it.
const binaryInImage = "/bin/busybox"

// listTimeout bounds `busybox --list-full`.
const listTimeout = 10 * time.Second

// Busybox builds an image from a static busybox binary: /bin/busybox plus a symlink for every applet
// (from `busybox --list-full`, so /bin/sh, /bin/httpd, /usr/sbin/... exist), /etc/passwd and
// /etc/group with root and nobody, /tmp (1777), /root, /home, /var, /usr/bin; Cmd ["sh"] like the
// real busybox image. names: e.g. "docker.io/library/busybox:1.35",
// "docker.io/library/busybox:latest". The images differ only in their name.
func Busybox(busyboxPath string, names ...string) ([]ociimage.Image, error) {
	if len(names) == 0 {
		return nil, errors.New("busybox image: no names given")
	}
	if err := CheckStatic(busyboxPath); err != nil {
		return nil, fmt.Errorf("busybox image: %w", err)
	}
	binary, err := os.ReadFile(busyboxPath)
	if err != nil {
		return nil, fmt.Errorf("busybox image: %w", err)
	}
	applets, err := listApplets(busyboxPath)
	if err != nil {
		return nil, fmt.Errorf("busybox image: %w", err)
	}
	files := busyboxFiles(binary, applets)
	config := ociimage.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}
	imgs := make([]ociimage.Image, 0, len(names))
	for _, name := range names {
		imgs = append(imgs, ociimage.Image{Name: name, Files: files, Config: config})
	}
	return imgs, nil
}

// CheckStatic fails unless the file is a statically linked ELF executable (no PT_INTERP program
// header): a dynamically linked binary would find no loader or libc inside the image.
func CheckStatic(binaryPath string) error {
	f, err := elf.Open(binaryPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s not found (Debian: apt-get install busybox-static): %w", binaryPath, err)
	}
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", binaryPath, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; install a static build (Debian: busybox-static)", binaryPath)
		}
	}
	return nil
}

// listApplets runs `busybox --list-full` and returns the applets' absolute paths ("/bin/sh").
func listApplets(busyboxPath string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, busyboxPath, "--list-full")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w: %s", busyboxPath, err, strings.TrimSpace(stderr.String()))
	}
	var applets []string
	for _, line := range strings.Fields(string(out)) {
		p := path.Clean("/" + line)
		if p == binaryInImage || p == "/" {
			continue
		}
		applets = append(applets, p)
	}
	if len(applets) == 0 {
		return nil, fmt.Errorf("%s --list-full listed no applets", busyboxPath)
	}
	return applets, nil
}

// busyboxFiles lays out the image: the binary, one symlink per applet and a minimal /etc.
func busyboxFiles(binary []byte, applets []string) []ociimage.File {
	dir := func(p string, perm fs.FileMode) ociimage.File {
		return ociimage.File{Path: p, Mode: fs.ModeDir | perm}
	}
	file := func(p, data string) ociimage.File {
		return ociimage.File{Path: p, Mode: 0o644, Data: []byte(data)}
	}
	files := []ociimage.File{
		{Path: binaryInImage, Mode: 0o755, Data: binary},
		dir("/tmp", fs.ModeSticky|0o777),
		dir("/root", 0o700),
		dir("/home", 0o755),
		dir("/var", 0o755),
		dir("/usr/bin", 0o755),
		dir("/usr/sbin", 0o755),
		dir("/etc", 0o755),
		file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"),
		file("/etc/group", "root:x:0:\nnobody:x:65534:\n"),
	}
	for _, p := range applets {
		files = append(files, ociimage.File{Path: p, Mode: fs.ModeSymlink | 0o777, Linkname: binaryInImage})
	}
	return files
}
