package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/runtime"
)

// RuntimeEnv names the environment variable that turns the runtime fault seam on, e.g.
// "fail=0.05,delay=0.05:500ms,seed=7". The agent reads it once at start.
const RuntimeEnv = "MINIKUBELET_FAULT_RUNTIME"

// ErrInjected is the error of a call the seam failed on purpose.
var ErrInjected = errors.New("injected fault")

// RuntimeFaults says which share of the calls into the container runtime and the sandboxes the
// seam fails or delays. A failed call never reaches the real one; a delayed call reaches it
// late (or not at all, if its context ends first). Given the same seed, the seam makes the same
// sequence of decisions.
type RuntimeFaults struct {
	Fail     float64       // share of calls that fail, 0..1
	Delay    float64       // share of calls that are delayed, 0..1
	DelayFor time.Duration // how long a delayed call waits
	Seed     uint64
}

// On reports whether the seam does anything.
func (f RuntimeFaults) On() bool { return f.Fail > 0 || (f.Delay > 0 && f.DelayFor > 0) }

// String renders f in the form ParseRuntimeFaults reads.
func (f RuntimeFaults) String() string {
	return fmt.Sprintf("fail=%g,delay=%g:%s,seed=%d", f.Fail, f.Delay, f.DelayFor, f.Seed)
}

// ParseRuntimeFaults reads "fail=P,delay=P:DURATION,seed=N", each part optional; "" is off.
func ParseRuntimeFaults(s string) (RuntimeFaults, error) {
	var f RuntimeFaults
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	share := func(key, v string) (float64, error) {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil || p < 0 || p > 1 {
			return 0, fmt.Errorf("%s=%q: want a share between 0 and 1", key, v)
		}
		return p, nil
	}
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("runtime faults %q: %q is not key=value", s, part)
		}
		var err error
		switch key {
		case "fail":
			f.Fail, err = share(key, val)
		case "delay":
			p, d, ok := strings.Cut(val, ":")
			if !ok {
				err = fmt.Errorf("delay=%q: want SHARE:DURATION", val)
				break
			}
			if f.Delay, err = share(key, p); err == nil {
				if f.DelayFor, err = time.ParseDuration(d); err == nil && f.DelayFor < 0 {
					err = fmt.Errorf("delay=%q: negative duration", val)
				}
			}
		case "seed":
			f.Seed, err = strconv.ParseUint(val, 10, 64)
		default:
			err = fmt.Errorf("unknown key %q (want fail, delay, seed)", key)
		}
		if err != nil {
			return f, fmt.Errorf("runtime faults %q: %w", s, err)
		}
	}
	if f.Fail+f.Delay > 1 {
		return f, fmt.Errorf("runtime faults %q: fail and delay add up to more than 1", s)
	}
	return f, nil
}

// dice decides, call by call, whether to fail, delay or pass a call.
type dice struct {
	cfg RuntimeFaults
	log *slog.Logger

	mu  sync.Mutex
	rng *rand.Rand // guarded by mu
}

func newDice(cfg RuntimeFaults, log *slog.Logger) *dice {
	if log == nil {
		log = slog.Default()
	}
	return &dice{cfg: cfg, log: log.With("component", "faults"), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// roll runs before the call op: it returns an error to fail it, or waits to delay it.
func (d *dice) roll(ctx context.Context, op string) error {
	d.mu.Lock()
	x := d.rng.Float64()
	d.mu.Unlock()
	switch {
	case x < d.cfg.Fail:
		d.log.Info("fault injected", "op", op, "fault", "fail")
		return fmt.Errorf("%s: %w", op, ErrInjected)
	case x < d.cfg.Fail+d.cfg.Delay && d.cfg.DelayFor > 0:
		d.log.Info("fault injected", "op", op, "fault", "delay", "for", d.cfg.DelayFor)
		t := time.NewTimer(d.cfg.DelayFor)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("%s: delayed by fault: %w", op, ctx.Err())
		}
	}
	return nil
}

// WrapRuntime puts the seam in front of rt; with faults off it returns rt itself.
func WrapRuntime(rt runtime.ContainerRuntime, cfg RuntimeFaults, log *slog.Logger) runtime.ContainerRuntime {
	if !cfg.On() {
		return rt
	}
	return &faultyRuntime{next: rt, dice: newDice(cfg, log)}
}

// WrapSandboxes puts the seam in front of sb; with faults off it returns sb itself. The two
// wraps roll separate dice, each from the seed.
func WrapSandboxes(sb runtime.Sandboxes, cfg RuntimeFaults, log *slog.Logger) runtime.Sandboxes {
	if !cfg.On() {
		return sb
	}
	return &faultySandboxes{next: sb, dice: newDice(cfg, log)}
}

// faultyRuntime is a runtime.ContainerRuntime that fails or delays some calls.
type faultyRuntime struct {
	next runtime.ContainerRuntime
	dice *dice
}

func (r *faultyRuntime) GetPod(ctx context.Context, uid types.UID) (*runtime.PodStatus, error) {
	if err := r.dice.roll(ctx, "GetPod"); err != nil {
		return nil, err
	}
	return r.next.GetPod(ctx, uid)
}

func (r *faultyRuntime) ListPods(ctx context.Context) (map[types.UID]*runtime.PodStatus, error) {
	if err := r.dice.roll(ctx, "ListPods"); err != nil {
		return nil, err
	}
	return r.next.ListPods(ctx)
}

func (r *faultyRuntime) EnsureImage(ctx context.Context, image string, policy v1.PullPolicy) (runtime.ImageInfo, error) {
	if err := r.dice.roll(ctx, "EnsureImage"); err != nil {
		return runtime.ImageInfo{}, err
	}
	return r.next.EnsureImage(ctx, image, policy)
}

func (r *faultyRuntime) CreateContainer(ctx context.Context, cfg runtime.ContainerConfig) (string, error) {
	if err := r.dice.roll(ctx, "CreateContainer"); err != nil {
		return "", err
	}
	return r.next.CreateContainer(ctx, cfg)
}

func (r *faultyRuntime) StartContainer(ctx context.Context, id, logPath string) error {
	if err := r.dice.roll(ctx, "StartContainer"); err != nil {
		return err
	}
	return r.next.StartContainer(ctx, id, logPath)
}

func (r *faultyRuntime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	if err := r.dice.roll(ctx, "StopContainer"); err != nil {
		return err
	}
	return r.next.StopContainer(ctx, id, grace)
}

func (r *faultyRuntime) RemoveContainer(ctx context.Context, id string) error {
	if err := r.dice.roll(ctx, "RemoveContainer"); err != nil {
		return err
	}
	return r.next.RemoveContainer(ctx, id)
}

func (r *faultyRuntime) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, int, error) {
	if err := r.dice.roll(ctx, "ExecSync"); err != nil {
		return nil, 0, err
	}
	return r.next.ExecSync(ctx, id, cmd, timeout)
}

// faultySandboxes is a runtime.Sandboxes that fails or delays some calls. Mounts does no I/O and
// passes through.
type faultySandboxes struct {
	next runtime.Sandboxes
	dice *dice
}

func (s *faultySandboxes) Run(ctx context.Context, req runtime.SandboxRequest) (*runtime.SandboxStatus, error) {
	if err := s.dice.roll(ctx, "RunSandbox"); err != nil {
		return nil, err
	}
	return s.next.Run(ctx, req)
}

func (s *faultySandboxes) RemovePod(ctx context.Context, uid types.UID) (int, error) {
	if err := s.dice.roll(ctx, "RemovePodSandboxes"); err != nil {
		return 0, err
	}
	return s.next.RemovePod(ctx, uid)
}

func (s *faultySandboxes) Mounts(sandboxID string, pod *v1.Pod) []runtime.Mount {
	return s.next.Mounts(sandboxID, pod)
}

func (s *faultySandboxes) Sweep(ctx context.Context, keep func(id string) bool) ([]string, error) {
	if err := s.dice.roll(ctx, "SweepSandboxes"); err != nil {
		return nil, err
	}
	return s.next.Sweep(ctx, keep)
}
