package containerd

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/snapshots"
)

// SweepSnapshots removes the active snapshots that no container owns and returns their keys. A
// container's snapshot is prepared before its record is written (containerd's WithNewSnapshot),
// so an agent killed in between leaves a snapshot nothing names, which no pod removal finds.
// Only keys shaped like the agent's container IDs are touched: image unpacking's are not. It must
// run before the agent creates any container.
func (r *Runtime) SweepSnapshots(ctx context.Context) ([]string, error) {
	ctx = r.ctx(ctx)
	records, err := r.client.ContainerService().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	owned := make(map[string]bool, len(records))
	for _, rec := range records {
		owned[rec.SnapshotKey] = true
	}
	sn := r.client.SnapshotService(r.snapshotter)
	var orphans []string
	err = sn.Walk(ctx, func(_ context.Context, info snapshots.Info) error {
		if info.Kind == snapshots.KindActive && !owned[info.Name] && isContainerID(info.Name) {
			orphans = append(orphans, info.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var removed []string
	var errs []error
	for _, key := range orphans {
		if err := sn.Remove(ctx, key); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove snapshot %s: %w", key, err))
			continue
		}
		removed = append(removed, key)
	}
	return removed, errors.Join(errs...)
}

// isContainerID tells whether s has the shape of the IDs newID and the sandbox package make: 32
// lower-case hex digits.
func isContainerID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
