package containerd

import (
	"context"
	"errors"
	"fmt"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
)

// createTimeout bounds making a container, its snapshot and its task: local work for containerd.
const createTimeout = time.Minute

// uncancelled is the context for calls that create containerd objects: the caller's values, but
// not its cancellation, and a bound of its own. containerd finishes a request whose client gave
// up; cancelled half-way, a create would leave behind what the caller never learnt of (a
// snapshot no container names, a task or shim whose container was deleted meanwhile). Run to
// the end, what was made is known and the caller's rollback removes it.
func uncancelled(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
}

// newContainer makes container id with a new snapshot of the same key, all or nothing. The
// client prepares the snapshot before it records the container; cancelled in between (the pod
// deleted, its sync cut short) it would leave an active snapshot, held by the client's lease
// for a day, that no container names and nothing removes. So the work runs to its end
// (uncancelled), and a failure removes the snapshot it may have made.
func (r *Runtime) newContainer(ctx context.Context, id string, opts ...containerd.NewContainerOpts) (containerd.Container, error) {
	ctx, cancel := uncancelled(ctx)
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
