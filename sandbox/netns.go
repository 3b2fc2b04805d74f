package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	sysruntime "runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where vishvananda/netns (and iproute2) pin named network namespaces, so `ip netns`
// lists the agent's too.
const netnsDir = "/run/netns"

func netnsName(sandboxID string) string { return "mkl-" + sandboxID }

func netnsPath(sandboxID string) string { return filepath.Join(netnsDir, netnsName(sandboxID)) }

// createNetns makes a new network namespace pinned at netnsPath(id). The unshare happens on a
// locked OS thread that is thrown away afterwards, so no other goroutine ever runs in the new
// namespace and the agent's own namespace is untouched.
func createNetns(id string) (string, error) {
	done := make(chan error, 1)
	go func() {
		sysruntime.LockOSThread() // never unlocked: the thread exits with this goroutine
		h, err := netns.NewNamed(netnsName(id))
		if err == nil {
			h.Close()
		}
		done <- err
	}()
	if err := <-done; err != nil {
		_ = removeNetns(id) // NewNamed can leave the pin file behind
		return "", fmt.Errorf("create network namespace %s: %w", netnsName(id), err)
	}
	return netnsPath(id), nil
}

// removeNetns unpins and removes the namespace; already gone is success.
func removeNetns(id string) error {
	path := netnsPath(id)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount network namespace %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove network namespace %s: %w", path, err)
	}
	return nil
}
