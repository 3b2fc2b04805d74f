// Package volume sets up a pod's volumes on the host (emptyDir on disk or tmpfs, hostPath with its
// type checks) and turns a container's volumeMounts into bind mounts, resolving subPath without
// following symlinks out of the volume (CVE-2017-1002101, CVE-2021-25741).
//
// Layout under Dir (ROOT/pods):
//
//	<pod uid>/volumes/empty-dir/<volume>         emptyDir contents (a tmpfs mount for medium Memory)
//	<pod uid>/volume-subpaths/<volume>/<container>/<n>   bind mounts pinning resolved subPaths
package volume

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/runtime"
)

// Manager owns the per-pod volume directories.
type Manager struct {
	dir              string
	log              *slog.Logger
	allowedHostPaths []string // SetAllowedHostPaths; empty allows any
}

// New creates the pods directory.
func New(dir string, log *slog.Logger) (*Manager, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create pods dir: %w", err)
	}
	return &Manager{dir: dir, log: log}, nil
}

func (m *Manager) podDir(uid types.UID) string { return filepath.Join(m.dir, string(uid)) }

// Setup makes every volume of the pod ready and returns each one's host path by name. It is
// idempotent: a volume already set up (by an earlier sync, or before an agent restart) is reused.
func (m *Manager) Setup(pod *v1.Pod) (map[string]string, error) {
	paths := map[string]string{}
	for i, vol := range pod.Spec.Volumes {
		fld := fmt.Sprintf("spec.volumes[%d]", i)
		switch {
		case vol.EmptyDir != nil:
			p := filepath.Join(m.podDir(pod.UID), "volumes", "empty-dir", vol.Name)
			var fsGroup *int64
			if sc := pod.Spec.SecurityContext; sc != nil {
				fsGroup = sc.FSGroup
			}
			if err := setupEmptyDir(p, vol.EmptyDir, fsGroup); err != nil {
				return nil, fmt.Errorf("%s (%s): %w", fld, vol.Name, err)
			}
			paths[vol.Name] = p
		case vol.HostPath != nil:
			p, err := m.setupHostPath(pod.UID, vol.Name, vol.HostPath)
			if err != nil {
				return nil, fmt.Errorf("%s.hostPath (%s): %w", fld, vol.Name, err)
			}
			paths[vol.Name] = p
		default:
			return nil, fmt.Errorf("%s (%s): volume type not supported by minikubelet yet", fld, vol.Name)
		}
	}
	return paths, nil
}

// setupEmptyDir makes the emptyDir once (createEmptyDir) and mounts a tmpfs on it for medium
// Memory. An existing one is left as it is: its contents are the containers'.
func setupEmptyDir(path string, src *v1.EmptyDirVolumeSource, fsGroup *int64) error {
	if err := createEmptyDir(path, fsGroup); err != nil {
		return err
	}
	if src.Medium != v1.StorageMediumMemory {
		return nil
	}
	mounted, err := isMountPoint(path)
	if err != nil || mounted {
		return err
	}
	opts := tmpfsOwnership(fsGroup)
	if src.SizeLimit != nil && !src.SizeLimit.IsZero() {
		opts += fmt.Sprintf(",size=%d", src.SizeLimit.Value())
	}
	if err := unix.Mount("tmpfs", path, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs for emptyDir: %w", err)
	}
	return nil
}

// isMountPoint tells whether path is on another device than its parent.
func isMountPoint(path string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	if err := unix.Lstat(filepath.Dir(path), &parent); err != nil {
		return false, fmt.Errorf("stat %s: %w", filepath.Dir(path), err)
	}
	return st.Dev != parent.Dev, nil
}

// setupHostPath checks a hostPath's type and returns the path the containers mount: the host path
// itself, or, under --allowed-host-paths, a mount of it pinned beneath the allowed directory.
func (m *Manager) setupHostPath(uid types.UID, name string, hp *v1.HostPathVolumeSource) (string, error) {
	if len(m.allowedHostPaths) == 0 {
		return hp.Path, checkHostPath(hp)
	}
	prefix, rel, ok := allowedPrefix(m.allowedHostPaths, hp.Path)
	if !ok {
		return "", fmt.Errorf("path %s: refused, not under --allowed-host-paths (%s)", hp.Path, strings.Join(m.allowedHostPaths, ", "))
	}
	typ := v1.HostPathUnset
	if hp.Type != nil {
		typ = *hp.Type
	}
	typ, err := createBeneath(prefix, rel, typ)
	if err != nil {
		return "", fmt.Errorf("path %s: %w", hp.Path, err)
	}
	if err := checkHostPath(&v1.HostPathVolumeSource{Path: hp.Path, Type: &typ}); err != nil {
		return "", err
	}
	target := filepath.Join(m.podDir(uid), "volume-hostpaths", name)
	if err := pinHostPath(prefix, rel, target); err != nil {
		return "", fmt.Errorf("path %s: %w", hp.Path, err)
	}
	return target, nil
}

// Teardown unmounts everything of the pod (tmpfs emptyDirs, pinned subPaths) and removes its
// directory. Idempotent.
func (m *Manager) Teardown(uid types.UID) error {
	dir := m.podDir(uid)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := unmountBelow(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove pod dir: %w", err)
	}
	return nil
}

// Pods lists the UIDs that have a pod directory, for sweeping orphans.
func (m *Manager) Pods() ([]types.UID, error) {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, fmt.Errorf("list pod dirs: %w", err)
	}
	var out []types.UID
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, types.UID(e.Name()))
		}
	}
	return out, nil
}

// ContainerMounts turns a container's volumeMounts into bind mounts. A subPath is opened beneath
// the volume refusing every symlink, created as a directory if missing (as kubelet does), and
// pinned by bind-mounting the opened file descriptor, so swapping a path component for a symlink
// afterwards changes nothing.
func (m *Manager) ContainerMounts(pod *v1.Pod, c *v1.Container, paths map[string]string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	for i, vm := range c.VolumeMounts {
		src, ok := paths[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMounts[%d]: volume %q is not set up", i, vm.Name)
		}
		if vm.SubPath != "" {
			target := filepath.Join(m.podDir(pod.UID), "volume-subpaths", vm.Name, c.Name, fmt.Sprint(i))
			if err := pinSubPath(src, vm.SubPath, target); err != nil {
				return nil, fmt.Errorf("volumeMounts[%d] (%s) subPath %q: %w", i, vm.Name, vm.SubPath, err)
			}
			src = target
		}
		out = append(out, runtime.Mount{HostPath: src, ContainerPath: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	return out, nil
}
