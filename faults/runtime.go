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
// "fail=0.05,lose=0.02,delay=0.05:500ms,seed=7". The agent reads it once at start.
const RuntimeEnv = "MINIKUBELET_FAULT_RUNTIME"

// ErrInjected is the error of a call the seam failed on purpose.
var ErrInjected = errors.New("injected fault")

// RuntimeFaults says which share of the calls into the container runtime and the sandboxes the
// seam fails, loses or delays. A failed call never reaches the real one; a lost one does its work
// but its caller gets an error, as when containerd acts and the reply does not arrive; a delayed
// call reaches it late (or not at all, if its context ends first). Given the same seed, the seam
// makes the same sequence of decisions.
type RuntimeFaults struct {
	Fail     float64       // share of calls that fail, 0..1
	Lose     float64       // share of calls whose reply is lost, 0..1
	Delay    float64       // share of calls that are delayed, 0..1
	DelayFor time.Duration // how long a delayed call waits
	Seed     uint64
}

// On reports whether the seam does anything.
func (f RuntimeFaults) On() bool { return f.Fail > 0 || f.Lose > 0 || (f.Delay > 0 && f.DelayFor > 0) }

// String renders f in the form ParseRuntimeFaults reads.
func (f RuntimeFaults) String() string {
	return fmt.Sprintf("fail=%g,lose=%g,delay=%g:%s,seed=%d", f.Fail, f.Lose, f.Delay, f.DelayFor, f.Seed)
}

// ParseRuntimeFaults reads "fail=P,lose=P,delay=P:DURATION,seed=N", each part optional; "" is
// off.
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
		case "lose":
			f.Lose, err = share(key, val)
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
			err = fmt.Errorf("unknown key %q (want fail, lose, delay, seed)", key)
		}
		if err != nil {
			return f, fmt.Errorf("runtime faults %q: %w", s, err)
		}
	}
	if f.Fail+f.Lose+f.Delay > 1 {
		return f, fmt.Errorf("runtime faults %q: fail, lose and delay add up to more than 1", s)
	}
	return f, nil
}

// The faults a call can meet.
const (
	faultFail  = "fail"
	faultDelay = "delay"
	faultLose  = "lose"
)

// dice decides, call by call, whether to fail, delay, lose or pass a call.
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

// roll decides the next call's fault, "" for none.
func (d *dice) roll() string {
	d.mu.Lock()
	x := d.rng.Float64()
	d.mu.Unlock()
	switch {
	case x < d.cfg.Fail:
		return faultFail
	case x < d.cfg.Fail+d.cfg.Lose:
		return faultLose
	case x < d.cfg.Fail+d.cfg.Lose+d.cfg.Delay && d.cfg.DelayFor > 0:
		return faultDelay
	}
	return ""
}

// call runs fn, the call op, unless the dice fail it; a delayed call runs late, a lost one runs
// and its result is replaced by an error.
func call[T any](ctx context.Context, d *dice, op string, fn func() (T, error)) (T, error) {
	var zero T
	f := d.roll()
	if f != "" {
		d.log.Info("fault injected", "op", op, "fault", f)
	}
	switch f {
	case faultFail:
		return zero, fmt.Errorf("%s: %w", op, ErrInjected)
	case faultDelay:
		t := time.NewTimer(d.cfg.DelayFor)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return zero, fmt.Errorf("%s: delayed by fault: %w", op, ctx.Err())
		}
	case faultLose:
		if _, err := fn(); err != nil {
			return zero, err
		}
		return zero, fmt.Errorf("%s: reply lost: %w", op, ErrInjected)
	}
	return fn()
}

// callErr is call for a call that returns only an error.
func callErr(ctx context.Context, d *dice, op string, fn func() error) error {
	_, err := call(ctx, d, op, func() (struct{}, error) { return struct{}{}, fn() })
	return err
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

// faultyRuntime is a runtime.ContainerRuntime that fails, delays or loses the reply of some calls.
type faultyRuntime struct {
	next runtime.ContainerRuntime
	dice *dice
}

func (r *faultyRuntime) GetPod(ctx context.Context, uid types.UID) (*runtime.PodStatus, error) {
	return call(ctx, r.dice, "GetPod", func() (*runtime.PodStatus, error) { return r.next.GetPod(ctx, uid) })
}

func (r *faultyRuntime) ListPods(ctx context.Context) (map[types.UID]*runtime.PodStatus, error) {
	return call(ctx, r.dice, "ListPods", func() (map[types.UID]*runtime.PodStatus, error) { return r.next.ListPods(ctx) })
}

func (r *faultyRuntime) EnsureImage(ctx context.Context, image string, policy v1.PullPolicy) (runtime.ImageInfo, error) {
	return call(ctx, r.dice, "EnsureImage", func() (runtime.ImageInfo, error) { return r.next.EnsureImage(ctx, image, policy) })
}

func (r *faultyRuntime) CreateContainer(ctx context.Context, cfg runtime.ContainerConfig) (string, error) {
	return call(ctx, r.dice, "CreateContainer", func() (string, error) { return r.next.CreateContainer(ctx, cfg) })
}

func (r *faultyRuntime) StartContainer(ctx context.Context, id, logPath string) error {
	return callErr(ctx, r.dice, "StartContainer", func() error { return r.next.StartContainer(ctx, id, logPath) })
}

func (r *faultyRuntime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	return callErr(ctx, r.dice, "StopContainer", func() error { return r.next.StopContainer(ctx, id, grace) })
}

func (r *faultyRuntime) RemoveContainer(ctx context.Context, id string) error {
	return callErr(ctx, r.dice, "RemoveContainer", func() error { return r.next.RemoveContainer(ctx, id) })
}

func (r *faultyRuntime) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, int, error) {
	type result struct {
		out  []byte
		code int
	}
	res, err := call(ctx, r.dice, "ExecSync", func() (result, error) {
		out, code, err := r.next.ExecSync(ctx, id, cmd, timeout)
		return result{out, code}, err
	})
	return res.out, res.code, err
}

// faultySandboxes is a runtime.Sandboxes that fails, delays or loses the reply of some calls.
// Mounts does no I/O and passes through.
type faultySandboxes struct {
	next runtime.Sandboxes
	dice *dice
}

func (s *faultySandboxes) Run(ctx context.Context, req runtime.SandboxRequest) (*runtime.SandboxStatus, error) {
	return call(ctx, s.dice, "RunSandbox", func() (*runtime.SandboxStatus, error) { return s.next.Run(ctx, req) })
}

func (s *faultySandboxes) RemovePod(ctx context.Context, uid types.UID) (int, error) {
	return call(ctx, s.dice, "RemovePodSandboxes", func() (int, error) { return s.next.RemovePod(ctx, uid) })
}

func (s *faultySandboxes) Mounts(sandboxID string, pod *v1.Pod) []runtime.Mount {
	return s.next.Mounts(sandboxID, pod)
}

func (s *faultySandboxes) Sweep(ctx context.Context, keep func(id string) bool) ([]string, error) {
	return call(ctx, s.dice, "SweepSandboxes", func() ([]string, error) { return s.next.Sweep(ctx, keep) })
}
