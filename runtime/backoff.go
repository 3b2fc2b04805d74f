package runtime

import "time"

// Backoff is kubelet's restart back-off, per key (pod UID + container name): the first restart is
// immediate, then the wait doubles from Initial up to Max. An entry resets when the container ran
// ResetAfter (10 minutes) before failing, or when nothing failed for twice Max. Times are passed in:
// the decision code never reads a clock.
//
// It is owned by one pod worker and needs no lock.
type Backoff struct {
	Initial, Max, ResetAfter time.Duration
	entries                  map[string]backoffEntry
}

type backoffEntry struct {
	delay time.Duration
	last  time.Time // the failure (finish time) the delay was last advanced for
}

// NewBackoff is kubelet's container back-off: 10s doubling to 300s, reset after 10 minutes of
// running.
func NewBackoff() *Backoff {
	return &Backoff{Initial: 10 * time.Second, Max: 300 * time.Second, ResetAfter: 10 * time.Minute,
		entries: map[string]backoffEntry{}}
}

// Remaining tells how much longer a restart after a failure at failedAt, ending a run of ranFor,
// must wait at now (0: go).
func (b *Backoff) Remaining(key string, failedAt time.Time, ranFor time.Duration, now time.Time) time.Duration {
	e, ok := b.entries[key]
	if !ok || ranFor >= b.ResetAfter || failedAt.Sub(e.last) > 2*b.Max {
		return 0
	}
	if left := e.delay - now.Sub(failedAt); left > 0 {
		return left
	}
	return 0
}

// Pending is how much longer key's last failure holds back a retry at now (0: go).
func (b *Backoff) Pending(key string, now time.Time) time.Duration {
	e, ok := b.entries[key]
	if !ok {
		return 0
	}
	return max(e.delay-now.Sub(e.last), 0)
}

// Delay is the wait currently applied to key, for messages ("back-off 40s").
func (b *Backoff) Delay(key string) time.Duration { return b.entries[key].delay }

// Next records that a restart goes ahead for a failure at failedAt after a run of ranFor, and
// advances the delay the next failure will wait.
func (b *Backoff) Next(key string, failedAt time.Time, ranFor time.Duration) {
	e, ok := b.entries[key]
	switch {
	case !ok, ranFor >= b.ResetAfter, failedAt.Sub(e.last) > 2*b.Max:
		e.delay = b.Initial
	case e.last.Equal(failedAt):
		return // the same failure, seen again
	default:
		e.delay = min(2*e.delay, b.Max)
	}
	e.last = failedAt
	b.entries[key] = e
}

// BackoffRecord is one key's back-off as the pod checkpoint keeps it.
type BackoffRecord struct {
	Delay time.Duration `json:"delay"`
	Last  time.Time     `json:"last"`
}

// Records exports the back-off for a checkpoint.
func (b *Backoff) Records() map[string]BackoffRecord {
	out := make(map[string]BackoffRecord, len(b.entries))
	for k, e := range b.entries {
		out[k] = BackoffRecord{Delay: e.delay, Last: e.last}
	}
	return out
}

// Restore takes the back-off back from a checkpoint.
func (b *Backoff) Restore(records map[string]BackoffRecord) {
	for k, r := range records {
		b.entries[k] = backoffEntry{delay: r.Delay, last: r.Last}
	}
}

// Reset forgets key (the container ran long enough, or the pod is gone).
func (b *Backoff) Reset(key string) { delete(b.entries, key) }
