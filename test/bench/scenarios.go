package main

import (
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// pollEvery is how often the benchmark looks at /pods while timing a pod: fine enough not to
// matter against pod start times of a hundred milliseconds or more, and growing with the pods
// listed so that the looking (each look encodes every pod) does not load the agent it measures.
func pollEvery(pods int) time.Duration {
	return 2*time.Millisecond + time.Duration(pods)*100*time.Microsecond
}

// startDelete times one pod from its manifest landing to Running with every container running,
// and from the manifest's removal to the pod being gone.
func startDelete(a *agentProc, manifest func(name string) string) (start, del time.Duration, err error) {
	_, others, err := a.countPods(func(*v1.Pod) bool { return false })
	if err != nil {
		return 0, 0, err
	}
	interval := pollEvery(others + 1)
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	file := name + ".yaml"
	t0 := time.Now()
	if err := a.writeManifest(file, manifest(name)); err != nil {
		return 0, 0, err
	}
	err = poll(2*time.Minute, interval, func() (bool, error) {
		n, _, err := a.countPods(func(p *v1.Pod) bool { return p.Name == name && running(p) })
		return n == 1, err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pod %s start: %w", name, err)
	}
	start = time.Since(t0)
	t1 := time.Now()
	if err := a.removeManifest(file); err != nil {
		return 0, 0, err
	}
	err = poll(2*time.Minute, interval, func() (bool, error) {
		n, _, err := a.countPods(func(p *v1.Pod) bool { return p.Name == name })
		return n == 0, err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pod %s delete: %w", name, err)
	}
	return start, time.Since(t1), nil
}

// densityResult is the 100-pod scenario.
type densityResult struct {
	Pods          int
	AllRunning    time.Duration
	PodsPerSecond float64
	RSSPeak, RSS  int64
	CPU           float64 // fraction of one core over the steady window
	CPUProbes     float64 // the same with two probes a pod at periodSeconds 1
	RSSProbes     int64
	AllGone       time.Duration
	Leaks         []string
}

// density drops n pods at once, measures the agent at rest with them, again with probes on each,
// then removes them all and checks that nothing is left.
func density(a *agentProc, n int, steady time.Duration) (densityResult, error) {
	r := densityResult{Pods: n}
	run := func(manifest func(string) string) (time.Duration, error) {
		t0 := time.Now()
		for i := range n {
			if err := a.writeManifest(fmt.Sprintf("d-%03d.yaml", i), manifest(fmt.Sprintf("d-%03d", i))); err != nil {
				return 0, err
			}
		}
		err := poll(5*time.Minute, 50*time.Millisecond, func() (bool, error) {
			c, _, err := a.countPods(running)
			return c == n, err
		})
		return time.Since(t0), err
	}
	removeAll := func() (time.Duration, error) {
		t0 := time.Now()
		for i := range n {
			if err := a.removeManifest(fmt.Sprintf("d-%03d.yaml", i)); err != nil {
				return 0, err
			}
		}
		err := poll(5*time.Minute, 50*time.Millisecond, func() (bool, error) {
			_, total, err := a.countPods(func(*v1.Pod) bool { return true })
			return total == 0, err
		})
		return time.Since(t0), err
	}
	var err error
	if r.AllRunning, err = run(onePod); err != nil {
		return r, fmt.Errorf("density start: %w", err)
	}
	sandboxes := a.sandboxIDs()
	r.PodsPerSecond = float64(n) / r.AllRunning.Seconds()
	if r.CPU, err = cpuOver(a.pid(), steady); err != nil {
		return r, err
	}
	if _, r.RSS, r.RSSPeak, err = procStat(a.pid()); err != nil {
		return r, err
	}
	if r.AllGone, err = removeAll(); err != nil {
		return r, fmt.Errorf("density removal: %w", err)
	}
	r.Leaks = a.leaks(sandboxes)
	if _, err := run(probedPod); err != nil {
		return r, fmt.Errorf("density with probes: %w", err)
	}
	sandboxes = a.sandboxIDs()
	if r.CPUProbes, err = cpuOver(a.pid(), steady); err != nil {
		return r, err
	}
	if _, r.RSSProbes, _, err = procStat(a.pid()); err != nil {
		return r, err
	}
	if _, err := removeAll(); err != nil {
		return r, fmt.Errorf("density removal with probes: %w", err)
	}
	r.Leaks = append(r.Leaks, a.leaks(sandboxes)...)
	return r, nil
}

// scalePoint is pod start latency and agent RSS with some pods already running.
type scalePoint struct {
	Running int
	Start   dist
	RSS     int64
}

// scaling grows the number of running pods through levels, measuring start latency and RSS at
// each.
func scaling(a *agentProc, levels []int, samples int) ([]scalePoint, error) {
	var out []scalePoint
	have := 0
	for _, level := range levels {
		for ; have < level; have++ {
			if err := a.writeManifest(fmt.Sprintf("s-%03d.yaml", have), onePod(fmt.Sprintf("s-%03d", have))); err != nil {
				return out, err
			}
		}
		err := poll(5*time.Minute, 50*time.Millisecond, func() (bool, error) {
			c, _, err := a.countPods(running)
			return c == level, err
		})
		if err != nil {
			return out, fmt.Errorf("scaling to %d: %w", level, err)
		}
		var starts []time.Duration
		for range samples {
			d, _, err := startDelete(a, onePod)
			if err != nil {
				return out, err
			}
			starts = append(starts, d)
		}
		_, rss, _, err := procStat(a.pid())
		if err != nil {
			return out, err
		}
		out = append(out, scalePoint{Running: level, Start: summarize(starts), RSS: rss})
	}
	for i := range have {
		if err := a.removeManifest(fmt.Sprintf("s-%03d.yaml", i)); err != nil {
			return out, err
		}
	}
	return out, poll(5*time.Minute, 50*time.Millisecond, func() (bool, error) {
		_, total, err := a.countPods(func(*v1.Pod) bool { return true })
		return total == 0, err
	})
}
