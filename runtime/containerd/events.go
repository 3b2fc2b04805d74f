package containerd

import (
	"context"
	"fmt"
	"time"

	eventtypes "github.com/containerd/containerd/api/events"
	"github.com/containerd/containerd/events"
	"github.com/containerd/typeurl/v2"
	"k8s.io/apimachinery/pkg/types"
)

// WatchEvents follows containerd's task exit and OOM events in the agent's namespace and calls
// changed with the pod UID of the container each concerns. When the event stream breaks (containerd
// restarted), it resubscribes with back-off and calls resync, since events may have been missed.
// It returns when ctx ends.
func (r *Runtime) WatchEvents(ctx context.Context, changed func(types.UID), resync func()) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		subCtx, cancel := context.WithCancel(r.ctx(ctx))
		stream, errs := r.client.Subscribe(subCtx,
			fmt.Sprintf(`namespace==%q,topic=="/tasks/exit"`, r.namespace),
			fmt.Sprintf(`namespace==%q,topic=="/tasks/oom"`, r.namespace))
		healthy := r.consume(subCtx, stream, errs, changed)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if healthy {
			backoff = 100 * time.Millisecond
		}
		r.log.Warn("containerd event stream broke; resubscribing", "after", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
		resync()
	}
}

// consume handles events until the stream ends; it reports whether any event arrived.
func (r *Runtime) consume(ctx context.Context, stream <-chan *events.Envelope, errs <-chan error, changed func(types.UID)) bool {
	got := false
	for {
		select {
		case <-ctx.Done():
			return got
		case err := <-errs:
			if err != nil && ctx.Err() == nil {
				r.log.Debug("containerd event stream ended", "err", err)
			}
			return got
		case env := <-stream:
			if env == nil {
				continue
			}
			got = true
			ev, err := typeurl.UnmarshalAny(env.Event)
			if err != nil {
				r.log.Warn("decode containerd event", "topic", env.Topic, "err", err)
				continue
			}
			var id string
			switch e := ev.(type) {
			case *eventtypes.TaskExit:
				if e.ID != e.ContainerID { // an exec'd process, not the container's own
					continue
				}
				id = e.ContainerID
			case *eventtypes.TaskOOM:
				id = e.ContainerID
				r.recordOOM(ctx, id)
			default:
				continue
			}
			rec, err := r.client.ContainerService().Get(ctx, id)
			if err != nil {
				continue // already gone
			}
			if uid := rec.Labels[labelPodUID]; uid != "" {
				changed(types.UID(uid))
			}
		}
	}
}

// recordOOM marks the container as OOM-killed, durably, so its exit reads OOMKilled.
func (r *Runtime) recordOOM(ctx context.Context, id string) {
	container, err := r.client.LoadContainer(ctx, id)
	if err == nil {
		_, err = container.SetLabels(ctx, map[string]string{labelReason: "OOMKilled"})
	}
	if err != nil {
		r.log.Warn("record OOM kill", "container", id, "err", err)
	}
}
