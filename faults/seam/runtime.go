// Package seam puts the fault dice of package faults in front of the engine's runtime interfaces
// (runtime.ContainerRuntime and runtime.Sandboxes), for tests that make containerd misbehave.
// It is a package of its own because the engine imports package faults for its failpoints.
package seam

import (
	"context"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/runtime"
)

// WrapRuntime puts the seam in front of rt; with faults off it returns rt itself.
func WrapRuntime(rt runtime.ContainerRuntime, cfg faults.RuntimeFaults, log *slog.Logger) runtime.ContainerRuntime {
	if !cfg.On() {
		return rt
	}
	return &faultyRuntime{next: rt, dice: faults.NewDice(cfg, log)}
}

// WrapSandboxes puts the seam in front of sb; with faults off it returns sb itself. The two
// wraps roll separate dice, each from the seed.
func WrapSandboxes(sb runtime.Sandboxes, cfg faults.RuntimeFaults, log *slog.Logger) runtime.Sandboxes {
	if !cfg.On() {
		return sb
	}
	return &faultySandboxes{next: sb, dice: faults.NewDice(cfg, log)}
}

// faultyRuntime is a runtime.ContainerRuntime that fails, delays or loses the reply of some calls.
type faultyRuntime struct {
	next runtime.ContainerRuntime
	dice *faults.Dice
}

func (r *faultyRuntime) GetPod(ctx context.Context, uid types.UID) (*runtime.PodStatus, error) {
	return faults.Call(ctx, r.dice, "GetPod", func() (*runtime.PodStatus, error) { return r.next.GetPod(ctx, uid) })
}

func (r *faultyRuntime) ListPods(ctx context.Context) (map[types.UID]*runtime.PodStatus, error) {
	return faults.Call(ctx, r.dice, "ListPods", func() (map[types.UID]*runtime.PodStatus, error) { return r.next.ListPods(ctx) })
}

func (r *faultyRuntime) EnsureImage(ctx context.Context, image string, policy v1.PullPolicy) (runtime.ImageInfo, error) {
	return faults.Call(ctx, r.dice, "EnsureImage", func() (runtime.ImageInfo, error) { return r.next.EnsureImage(ctx, image, policy) })
}

func (r *faultyRuntime) CreateContainer(ctx context.Context, cfg runtime.ContainerConfig) (string, error) {
	return faults.Call(ctx, r.dice, "CreateContainer", func() (string, error) { return r.next.CreateContainer(ctx, cfg) })
}

func (r *faultyRuntime) StartContainer(ctx context.Context, id, logPath string) error {
	return faults.CallErr(ctx, r.dice, "StartContainer", func() error { return r.next.StartContainer(ctx, id, logPath) })
}

func (r *faultyRuntime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	return faults.CallErr(ctx, r.dice, "StopContainer", func() error { return r.next.StopContainer(ctx, id, grace) })
}

func (r *faultyRuntime) RemoveContainer(ctx context.Context, id string) error {
	return faults.CallErr(ctx, r.dice, "RemoveContainer", func() error { return r.next.RemoveContainer(ctx, id) })
}

func (r *faultyRuntime) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, int, error) {
	type result struct {
		out  []byte
		code int
	}
	res, err := faults.Call(ctx, r.dice, "ExecSync", func() (result, error) {
		out, code, err := r.next.ExecSync(ctx, id, cmd, timeout)
		return result{out, code}, err
	})
	return res.out, res.code, err
}

// faultySandboxes is a runtime.Sandboxes that fails, delays or loses the reply of some calls.
// Mounts does no I/O and passes through.
type faultySandboxes struct {
	next runtime.Sandboxes
	dice *faults.Dice
}

func (s *faultySandboxes) Run(ctx context.Context, req runtime.SandboxRequest) (*runtime.SandboxStatus, error) {
	return faults.Call(ctx, s.dice, "RunSandbox", func() (*runtime.SandboxStatus, error) { return s.next.Run(ctx, req) })
}

func (s *faultySandboxes) RemovePod(ctx context.Context, uid types.UID) (int, error) {
	return faults.Call(ctx, s.dice, "RemovePodSandboxes", func() (int, error) { return s.next.RemovePod(ctx, uid) })
}

func (s *faultySandboxes) Mounts(sandboxID string, pod *v1.Pod) []runtime.Mount {
	return s.next.Mounts(sandboxID, pod)
}

func (s *faultySandboxes) Sweep(ctx context.Context, keep func(id string) bool) ([]string, error) {
	return faults.Call(ctx, s.dice, "SweepSandboxes", func() ([]string, error) { return s.next.Sweep(ctx, keep) })
}
