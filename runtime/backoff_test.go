package runtime

import (
	"testing"
	"time"
)

func TestBackoffSequence(t *testing.T) {
	b := NewBackoff()
	const key = "uid/c"
	failed := t0
	// Each failure: how long the restart must wait right after it, then the restart goes ahead.
	wantWaits := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second}
	for i, want := range wantWaits {
		if got := b.Remaining(key, failed, time.Second, failed); got != want {
			t.Fatalf("failure %d: wait %s, want %s", i, got, want)
		}
		restartAt := failed.Add(want)
		if got := b.Remaining(key, failed, time.Second, restartAt); got != 0 {
			t.Fatalf("failure %d: still waiting %s at the end of the back-off", i, got)
		}
		b.Next(key, failed, time.Second)
		failed = restartAt.Add(time.Second) // ran one second, failed again
	}
}

func TestBackoffResets(t *testing.T) {
	tests := []struct {
		name   string
		ranFor time.Duration
		gap    time.Duration // from the previous failure to this one
		want   time.Duration
	}{
		{name: "short run soon after: doubled", ranFor: time.Second, gap: 30 * time.Second, want: 20 * time.Second},
		{name: "ran ten minutes: reset", ranFor: 10 * time.Minute, gap: 11 * time.Minute, want: 0},
		{name: "quiet for twice the cap: reset", ranFor: time.Second, gap: 11 * time.Minute, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBackoff()
			b.Next("k", t0, time.Second)                     // first restart: 10s next time
			b.Next("k", t0.Add(15*time.Second), time.Second) // second: 20s next time
			failed := t0.Add(15 * time.Second).Add(tc.gap)
			if got := b.Remaining("k", failed, tc.ranFor, failed); got != tc.want {
				t.Errorf("Remaining = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBackoffSameFailureTwice(t *testing.T) {
	b := NewBackoff()
	b.Next("k", t0, time.Second)
	b.Next("k", t0.Add(time.Minute), time.Second)
	b.Next("k", t0.Add(time.Minute), time.Second) // seen again: no extra doubling
	if got := b.Delay("k"); got != 20*time.Second {
		t.Errorf("Delay = %s, want 20s", got)
	}
}
