package faults

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseRuntimeFaults(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    RuntimeFaults
		wantErr string
	}{
		{name: "empty is off", in: ""},
		{name: "all parts", in: "fail=0.05,delay=0.05:500ms,seed=7",
			want: RuntimeFaults{Fail: 0.05, Delay: 0.05, DelayFor: 500 * time.Millisecond, Seed: 7}},
		{name: "fail only", in: "fail=1", want: RuntimeFaults{Fail: 1}},
		{name: "lose", in: "lose=0.02,fail=0.03", want: RuntimeFaults{Fail: 0.03, Lose: 0.02}},
		{name: "spaces", in: " fail=0.1 , seed=3 ", want: RuntimeFaults{Fail: 0.1, Seed: 3}},
		{name: "share above 1", in: "fail=1.5", wantErr: "between 0 and 1"},
		{name: "negative share", in: "fail=-0.1", wantErr: "between 0 and 1"},
		{name: "sum above 1", in: "fail=0.4,lose=0.2,delay=0.6:1s", wantErr: "more than 1"},
		{name: "delay without duration", in: "delay=0.1", wantErr: "SHARE:DURATION"},
		{name: "bad duration", in: "delay=0.1:soon", wantErr: "soon"},
		{name: "negative duration", in: "delay=0.1:-1s", wantErr: "negative"},
		{name: "bad seed", in: "seed=x", wantErr: "seed"},
		{name: "unknown key", in: "drop=0.1", wantErr: `unknown key "drop"`},
		{name: "no equals", in: "fail", wantErr: "not key=value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRuntimeFaults(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseRuntimeFaults(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRuntimeFaults(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseRuntimeFaults(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if again, err := ParseRuntimeFaults(got.String()); err != nil || (got.On() && again != got) {
				t.Errorf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// counter is a call that counts how often it is made.
type counter struct{ calls int }

func (c *counter) call() error { c.calls++; return nil }

// outcomes makes n calls through dice from cfg and returns, call by call, whether each failed.
func outcomes(t *testing.T, cfg RuntimeFaults, n int) ([]bool, *counter) {
	t.Helper()
	next := &counter{}
	d := NewDice(cfg, quiet())
	out := make([]bool, n)
	for i := range out {
		err := CallErr(context.Background(), d, "Op", next.call)
		if err != nil && !errors.Is(err, ErrInjected) {
			t.Fatalf("call %d: %v is not ErrInjected", i, err)
		}
		out[i] = err != nil
	}
	return out, next
}

func TestDiceFailItsShareDeterministically(t *testing.T) {
	const n = 4000
	cfg := RuntimeFaults{Fail: 0.05, Seed: 42}
	first, next := outcomes(t, cfg, n)
	failed := 0
	for _, f := range first {
		if f {
			failed++
		}
	}
	// A failed call is never made.
	if next.calls != n-failed {
		t.Errorf("%d calls made, want %d (%d of %d failed)", next.calls, n-failed, failed, n)
	}
	// 5% of 4000 is 200; the seeded sequence is fixed, so the bounds only guard the arithmetic.
	if failed < 150 || failed > 250 {
		t.Errorf("%d of %d calls failed, want about 5%%", failed, n)
	}
	again, _ := outcomes(t, cfg, n)
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("call %d: the same seed decided differently", i)
		}
	}
	other, _ := outcomes(t, RuntimeFaults{Fail: 0.05, Seed: 43}, n)
	same := true
	for i := range first {
		same = same && first[i] == other[i]
	}
	if same {
		t.Error("seeds 42 and 43 made the same decisions")
	}
}

func TestDelayEndsWithTheContext(t *testing.T) {
	next := &counter{}
	d := NewDice(RuntimeFaults{Delay: 1, DelayFor: time.Hour}, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := CallErr(ctx, d, "Op", next.call); !errors.Is(err, context.Canceled) {
		t.Errorf("delayed call with a cancelled context = %v, want context.Canceled", err)
	}
	if next.calls != 0 {
		t.Errorf("a call whose delay was cut short was made")
	}
	short := NewDice(RuntimeFaults{Delay: 1, DelayFor: time.Millisecond}, quiet())
	if err := CallErr(context.Background(), short, "Op", next.call); err != nil || next.calls != 1 {
		t.Errorf("delayed call = %v with %d calls made, want it made once", err, next.calls)
	}
}

func TestLostReplyIsMade(t *testing.T) {
	next := &counter{}
	d := NewDice(RuntimeFaults{Lose: 1}, quiet())
	got, err := Call(context.Background(), d, "Op", func() (int, error) { next.calls++; return 7, nil })
	if !errors.Is(err, ErrInjected) || !strings.Contains(err.Error(), "reply lost") || got != 0 {
		t.Errorf("Call under lose=1 = %d, %v; want a lost reply (ErrInjected) and no result", got, err)
	}
	if next.calls != 1 {
		t.Errorf("%d calls made, want 1: a lost reply's call is made", next.calls)
	}
}
