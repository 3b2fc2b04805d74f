// Package containerdtest helps end-to-end tests put built images into the real containerd: it connects
// to containerd only under MINIKUBELET_E2E=1 and gives each test a namespace of its own that is
// removed, with everything in it, when the test ends.
package containerdtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/leases"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/snapshots"
)

const (
	// Socket is containerd's address on the test machine.
	Socket = "/run/containerd/containerd.sock"
	// Snapshotter is the snapshotter the tests unpack into.
	Snapshotter = "overlayfs"

	cleanupTimeout = time.Minute
)

// E2E reports whether end-to-end tests are to run (MINIKUBELET_E2E=1).
func E2E() bool { return os.Getenv("MINIKUBELET_E2E") == "1" }

// Client skips the test unless MINIKUBELET_E2E=1 and otherwise connects to containerd, failing the
// test when containerd is not there. The client is closed when the test ends.
func Client(t testing.TB) *containerd.Client {
	t.Helper()
	if !E2E() {
		t.Skip("end-to-end test: set MINIKUBELET_E2E=1 to run it against containerd")
	}
	if os.Geteuid() != 0 {
		t.Fatal("MINIKUBELET_E2E=1 needs root to reach containerd")
	}
	client, err := containerd.New(Socket, containerd.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("connect to containerd at %s: %v", Socket, err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// Namespace creates a containerd namespace unique to the test and returns a context in it. When the
// test ends (passed or failed) the containers, images, leases, snapshots and content in it are
// removed, then the namespace itself.
func Namespace(t testing.TB, client *containerd.Client) context.Context {
	t.Helper()
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("random namespace name: %v", err)
	}
	ns := "minikubelet-test-" + hex.EncodeToString(suffix[:])
	// Registered first: a create that fails half-way may still leave the namespace.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), ns), cleanupTimeout)
		defer cancel()
		if err := removeNamespace(ctx, client, ns); err != nil {
			t.Errorf("clean up containerd namespace %s: %v", ns, err)
		}
	})
	ctx := namespaces.WithNamespace(t.Context(), ns)
	if err := client.NamespaceService().Create(ctx, ns, nil); err != nil {
		t.Fatalf("create containerd namespace %s: %v", ns, err)
	}
	return ctx
}

// RemoveNamespace empties a namespace something else made (an agent under test) and deletes it.
func RemoveNamespace(client *containerd.Client, ns string) error {
	ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), ns), cleanupTimeout)
	defer cancel()
	return removeNamespace(ctx, client, ns)
}

// removeNamespace empties the namespace ctx is in and deletes it.
func removeNamespace(ctx context.Context, client *containerd.Client, ns string) error {
	var errs []error
	errs = append(errs, removeContainers(ctx, client))
	imgs, err := client.ImageService().List(ctx)
	errs = append(errs, err)
	for _, img := range imgs {
		errs = append(errs, ignoreNotFound(client.ImageService().Delete(ctx, img.Name, images.SynchronousDelete())))
	}
	ls, err := client.LeasesService().List(ctx)
	errs = append(errs, err)
	for _, l := range ls {
		errs = append(errs, ignoreNotFound(client.LeasesService().Delete(ctx, l, leases.SynchronousDelete)))
	}
	// Garbage collection has removed what the images held; remove whatever is left anyway.
	errs = append(errs, removeSnapshots(ctx, client.SnapshotService(Snapshotter)))
	cs := client.ContentStore()
	errs = append(errs, cs.Walk(ctx, func(info content.Info) error {
		return ignoreNotFound(cs.Delete(ctx, info.Digest))
	}))
	errs = append(errs, ignoreNotFound(client.NamespaceService().Delete(ctx, ns)))
	return errors.Join(errs...)
}

func removeContainers(ctx context.Context, client *containerd.Client) error {
	containers, err := client.Containers(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	for _, c := range containers {
		if task, err := c.Task(ctx, nil); err == nil {
			_, err := task.Delete(ctx, containerd.WithProcessKill)
			errs = append(errs, ignoreNotFound(err))
		}
		errs = append(errs, ignoreNotFound(c.Delete(ctx, containerd.WithSnapshotCleanup)))
	}
	return errors.Join(errs...)
}

// removeSnapshots removes every snapshot, children before their parents.
func removeSnapshots(ctx context.Context, sn snapshots.Snapshotter) error {
	for {
		var infos []snapshots.Info
		if err := sn.Walk(ctx, func(_ context.Context, info snapshots.Info) error {
			infos = append(infos, info)
			return nil
		}); err != nil {
			return fmt.Errorf("list snapshots: %w", err)
		}
		if len(infos) == 0 {
			return nil
		}
		parents := make(map[string]bool)
		for _, info := range infos {
			parents[info.Parent] = true
		}
		removed := 0
		for _, info := range infos {
			if parents[info.Name] {
				continue
			}
			if err := sn.Remove(ctx, info.Name); err != nil && !errdefs.IsNotFound(err) {
				return fmt.Errorf("remove snapshot %s: %w", info.Name, err)
			}
			removed++
		}
		if removed == 0 {
			return fmt.Errorf("snapshots %d left that are all parents", len(infos))
		}
	}
}

func ignoreNotFound(err error) error {
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}
