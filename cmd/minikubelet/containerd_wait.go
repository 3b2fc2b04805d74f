package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/runtime/containerd"
	"github.com/minikubelet/minikubelet/server"
)

// containerdPoll is how often the agent knocks on a containerd that does not answer yet.
const containerdPoll = 500 * time.Millisecond

// waitForContainerd returns once the containerd at f.ContainerdAddress answers, or when ctx ends.
// It is for an address the user named: the agent must use that containerd, so it waits for it (a
// host where containerd starts after the agent) instead of running one of its own. Meanwhile the
// API answers, /healthz with 500 naming the missing containerd, so a supervisor sees why the agent
// is not ready; nothing else is done.
func waitForContainerd(ctx context.Context, f runFlags, log *slog.Logger) error {
	if containerd.Answers(f.ContainerdAddress) {
		return nil
	}
	reason := fmt.Sprintf("containerd at %s does not answer yet", f.ContainerdAddress)
	log.Warn("waiting for containerd", "address", f.ContainerdAddress)
	token, err := apiToken(f)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{Address: f.Address, Token: token, Port: f.ReadOnlyPort, Socket: f.Socket, Logger: log}, waitingSource{reason: reason})
	if err := srv.Listen(); err != nil {
		return fmt.Errorf("serve /healthz while waiting for containerd: %w", err)
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx) }()
	began := time.Now()
	err = pollContainerd(ctx, f.ContainerdAddress)
	stopServing()
	if serr := <-served; err == nil && serr != nil {
		err = fmt.Errorf("serve /healthz while waiting for containerd: %w", serr)
	}
	if err != nil {
		return err
	}
	log.Info("containerd answers", "address", f.ContainerdAddress, "waited", time.Since(began).Round(time.Millisecond))
	return nil
}

func pollContainerd(ctx context.Context, address string) error {
	tick := time.NewTicker(containerdPoll)
	defer tick.Stop()
	for !containerd.Answers(address) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for containerd at %s: %w", address, context.Cause(ctx))
		case <-tick.C:
		}
	}
	return nil
}

// waitingSource is the API's view of an agent still waiting for containerd: no pods known yet,
// and not healthy.
type waitingSource struct{ reason string }

func (waitingSource) Pods() []v1.Pod                                 { return nil }
func (waitingSource) PodEvents(string, string) (*v1.EventList, bool) { return nil, false }
func (waitingSource) ManifestErrors() []manifest.FileError           { return nil }
func (s waitingSource) Healthy(context.Context) error                { return fmt.Errorf("%s", s.reason) }
