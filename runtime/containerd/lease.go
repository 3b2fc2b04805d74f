package containerd

import (
	"context"
	"fmt"
	"time"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/leases"
)

const (
	// leaseTimeout bounds the creation and the deletion of a lease.
	leaseTimeout = 10 * time.Second
	// leaseExpiry is when containerd may collect a lease its maker never deleted (the agent was
	// killed meanwhile), as the containerd client's own leases do.
	leaseExpiry = 24 * time.Hour
)

// lease puts ctx under a containerd lease of its own, for a call that makes content or snapshots
// and may be cancelled half-way (pulling, importing, unpacking an image; creating containers runs
// uncancelled instead, see uncancelled). The containerd client makes such a lease itself when ctx
// has none, but creates and deletes it with the caller's context: when that context is cancelled
// (a pod removed while its image was being pulled), the lease can be made on containerd's side
// with the caller told it failed, or its delete can fail, and the lease with whatever it holds
// stays for 24 h. Here both run under a context that is not cancelled with ctx; the call under
// the lease still is. ctx must carry the namespace.
func (r *Runtime) lease(ctx context.Context) (leased context.Context, done func(), err error) {
	ls := r.client.LeasesService()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseTimeout)
	defer cancel()
	l, err := ls.Create(cctx, leases.WithRandomID(), leases.WithExpiration(leaseExpiry))
	if err != nil {
		return ctx, nil, fmt.Errorf("create containerd lease: %w", err)
	}
	return leases.WithLease(ctx, l.ID), func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseTimeout)
		defer cancel()
		if err := ls.Delete(dctx, l); err != nil && !errdefs.IsNotFound(err) {
			r.log.Warn("delete containerd lease", "lease", l.ID, "err", err)
		}
	}, nil
}
