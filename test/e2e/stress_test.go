package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// The stress tests measure; they assert only that nothing failed and nothing was left. Their
// figures (pods/s, start latency, memory) are logged for docs/reliability.md, never compared
// with a threshold. (containerd's cmd/containerd-stress reports the same way.)

// rssKiB is a process's resident set size, from /proc/PID/status; 0 if it has gone.
func rssKiB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.Atoi(f[0])
				return n
			}
		}
	}
	return 0
}

// shimRSSKiB is the resident memory of all the shims of the agent's namespace, and how many.
func (a *agent) shimRSSKiB() (total, shims int) {
	for _, pid := range a.shims() {
		n, err := strconv.Atoi(pid)
		if err != nil {
			continue
		}
		total += rssKiB(n)
		shims++
	}
	return total, shims
}

// percentile is the p-th percentile (0-100) of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// latencies collects start latencies from several workers.
type latencies struct {
	mu  sync.Mutex // guards all
	all []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, d)
}

func (l *latencies) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := slices.Clone(l.all)
	slices.Sort(s)
	return fmt.Sprintf("start p50 %s p99 %s max %s over %d pods", percentile(s, 50).Round(time.Millisecond),
		percentile(s, 99).Round(time.Millisecond), percentile(s, 100).Round(time.Millisecond), len(s))
}

// rssSampler notes the agent's largest RSS, once a second, until stopped.
type rssSampler struct {
	stop chan struct{}
	done chan int // the largest RSS seen, in KiB
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan int, 1)}
	go func() {
		peak := rssKiB(pid)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				s.done <- max(peak, rssKiB(pid))
				return
			case <-tick.C:
				peak = max(peak, rssKiB(pid))
			}
		}
	}()
	return s
}

func (s *rssSampler) peak() int {
	close(s.stop)
	return <-s.done
}

// waitWatched polls the watch (in memory, not the agent) until cond holds or the wait bound passes.
func waitWatched(cond func() bool) bool {
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // poll interval, not synchronisation
	}
	return true
}

// waitAllWatched polls the watch until cond holds for every name, and returns the names it never
// held for. It gives up only when no name has come to hold for the wait bound: a hundred pods
// starting at once on a slow host take long, but never stall.
func waitAllWatched(names []string, cond func(name string) bool) []string {
	left := slices.Clone(names)
	deadline := time.Now().Add(waitTimeout)
	for len(left) > 0 && time.Now().Before(deadline) {
		before := len(left)
		left = slices.DeleteFunc(left, cond)
		if len(left) < before {
			deadline = time.Now().Add(waitTimeout)
		}
		time.Sleep(10 * time.Millisecond) // poll interval, not synchronisation
	}
	return left
}

// 8 workers create a pod each, wait until it is Running and Ready, delete it and wait until it has
// gone, over and over for 5 minutes (20 s in CI): no pod fails, nothing is left.
func TestStressCreateDelete(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	before := a.baselineCensus("stress")
	watch := a.watchPods()
	rss := sampleRSS(a.cmd.Process.Pid)

	const workers = 8
	duration := time.Duration(testenv.Count(20, 300)) * time.Second
	var starts latencies
	var mu sync.Mutex // guards cycles and failures
	cycles, failures := 0, []string(nil)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	start := time.Now()
	end := start.Add(duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				name := fmt.Sprintf("s%d-%d", w, i)
				file := name + ".yaml"
				written := time.Now()
				if err := writeFileAtomic(a.manifests, file, quickPod("stress", name)); err != nil {
					fail("%s: %v", name, err)
					return
				}
				var readyAt time.Time
				if !waitWatched(func() bool {
					var ok bool
					readyAt, ok = watch.readyAt("stress", name)
					return ok
				}) {
					fail("%s was not Running and Ready within %s", name, waitTimeout)
				} else {
					starts.add(readyAt.Sub(written))
				}
				if err := removeFile(a.manifests, file); err != nil {
					fail("%s: %v", name, err)
					return
				}
				if !waitWatched(func() bool { return watch.deleted("stress", name) }) {
					fail("%s was not gone within %s", name, waitTimeout)
					return
				}
				mu.Lock()
				cycles++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := rss.peak()
	for _, f := range failures {
		t.Error(f)
	}
	s := watch.assertInvariants()
	a.assertCensusReturns(before)
	t.Logf("%d workers for %s: %d create/Ready/delete/gone cycles, %.2f pods/s, %d failures; %s; agent RSS peak %d MiB, after %d MiB; %d watch updates checked",
		workers, elapsed.Round(time.Millisecond), cycles, float64(cycles)/elapsed.Seconds(), len(failures),
		starts.summary(), peak/1024, rssKiB(a.cmd.Process.Pid)/1024, s.updates)
}

// 100 pods written at once (20 in CI) all become Running and Ready and all go again: no failure,
// nothing left. Logs how long that took, the start latencies, the agent's memory and the shims'
// memory per pod.
func TestStressHundredPods(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	before := a.baselineCensus("stress")
	watch := a.watchPods()
	idleRSS := rssKiB(a.cmd.Process.Pid)

	n := testenv.Count(20, 100)
	written := make([]time.Time, n)
	start := time.Now()
	for i := range n {
		written[i] = time.Now()
		a.writeManifest(fmt.Sprintf("h%d.yaml", i), quickPod("stress", fmt.Sprintf("h%d", i)))
	}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("h%d", i)
	}
	if left := waitAllWatched(names, func(name string) bool {
		_, ok := watch.readyAt("stress", name)
		return ok
	}); len(left) > 0 {
		t.Fatalf("%d pods not Running and Ready, none more for %s: %s", len(left), waitTimeout, someOf(left))
	}
	var starts latencies
	for i, name := range names {
		readyAt, _ := watch.readyAt("stress", name)
		starts.add(readyAt.Sub(written[i]))
	}
	allReady := time.Since(start)
	busyRSS := rssKiB(a.cmd.Process.Pid)
	shimRSS, shims := a.shimRSSKiB()

	start = time.Now()
	for i := range n {
		a.removeManifest(fmt.Sprintf("h%d.yaml", i))
	}
	if left := waitAllWatched(names, func(name string) bool { return watch.deleted("stress", name) }); len(left) > 0 {
		t.Fatalf("%d pods not gone, none more for %s: %s", len(left), waitTimeout, someOf(left))
	}
	allGone := time.Since(start)
	s := watch.assertInvariants()
	a.assertCensusReturns(before)
	t.Logf("%d pods at once: all Running and Ready in %s (%.2f pods/s), %s; all gone in %s; "+
		"agent RSS %d MiB idle, %d MiB with the pods; %d shims, %d KiB RSS per pod's shim; %d watch updates checked",
		n, allReady.Round(time.Millisecond), float64(n)/allReady.Seconds(), starts.summary(), allGone.Round(time.Millisecond),
		idleRSS/1024, busyRSS/1024, shims, shimRSS/max(shims, 1), s.updates)
}
