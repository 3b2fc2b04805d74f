package containerd

import (
	"context"
	"errors"
	"fmt"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
)

// createTimeout bounds making a container record and its snapshot: local work for containerd.
const createTimeout = time.Minute

// newContainer makes container id with a new snapshot of the same key, all or nothing. The
// client prepares the snapshot before it records the container; cancelled in between (the pod
// deleted, its sync cut short) it would leave an active snapshot, held by the client's lease
// for a day, that no container names and nothing removes. So the work runs to its end under a
// context of its own, and a failure removes the snapshot it may have made.
func (r *Runtime) newContainer(ctx context.Context, id string, opts ...containerd.NewContainerOpts) (containerd.Container, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	c, err := r.client.NewContainer(ctx, id, opts...)
	if err == nil {
		return c, nil
	}
	if serr := r.client.SnapshotService(r.snapshotter).Remove(ctx, id); serr != nil && !errdefs.IsNotFound(serr) {
		err = errors.Join(err, fmt.Errorf("remove snapshot %s: %w", id, serr))
	}
	return nil, err
}
