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

// The faults a call can meet, as the log names them.
const (
	faultFail  = "fail"
	faultDelay = "delay"
	faultLose  = "lose"
)

// Dice decides, call by call, whether to fail, delay, lose or pass a call. It is safe for
// concurrent use; faults/seam puts it in front of the engine's runtime interfaces.
type Dice struct {
	cfg RuntimeFaults
	log *slog.Logger

	mu  sync.Mutex
	rng *rand.Rand // guarded by mu
}

// NewDice rolls from cfg's seed; log records each injection ("fault injected", op, fault).
func NewDice(cfg RuntimeFaults, log *slog.Logger) *Dice {
	if log == nil {
		log = slog.Default()
	}
	return &Dice{cfg: cfg, log: log.With("component", "faults"), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// roll decides the next call's fault, "" for none.
func (d *Dice) roll() string {
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

// Call runs fn, the call op, unless the dice fail it; a delayed call runs late, a lost one runs
// and its result is replaced by an error.
func Call[T any](ctx context.Context, d *Dice, op string, fn func() (T, error)) (T, error) {
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

// CallErr is Call for a call that returns only an error.
func CallErr(ctx context.Context, d *Dice, op string, fn func() error) error {
	_, err := Call(ctx, d, op, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}
