// Command bench measures minikubelet on this host, all in one run so ratios hold on a noisy
// machine: pod start and deletion latency against the floor (the same work straight through
// containerd and CNI) and against podman kube play, density and footprint with 100 pods, and how
// start latency and memory grow with the number of pods. It prints one table and writes JSON.
//
//	go run ./test/bench -out bench/results.json   (as root; `make bench` builds what it needs first)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minikubelet/minikubelet/test/hosttest"
)

type options struct {
	agent, pause, images, out string
	samples                   int
	steady                    time.Duration
	density                   int
	levels                    []int
	skipPeer                  bool
}

func main() {
	var o options
	flag.StringVar(&o.agent, "agent", "bin/minikubelet", "the minikubelet binary")
	flag.StringVar(&o.pause, "pause", "bin/pause", "the pause program")
	flag.StringVar(&o.images, "images", "_output/images", "directory of image archives (busybox)")
	flag.StringVar(&o.out, "out", "bench/results.json", "where to write the results")
	flag.IntVar(&o.samples, "samples", 20, "samples per latency measurement")
	flag.DurationVar(&o.steady, "steady", 60*time.Second, "steady-state window for CPU")
	flag.IntVar(&o.density, "density", 100, "pods in the density scenario")
	flag.BoolVar(&o.skipPeer, "skip-peer", false, "do not run podman")
	levels := flag.String("levels", "1,10,50,100,200", "running-pod counts for the scaling rows")
	flag.Parse()
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -levels:", err)
			os.Exit(2)
		}
		o.levels = append(o.levels, n)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// reporter lets the bench use the tests' host helpers: a fatal report ends the run.
type reporter struct{}

type fatal struct{ msg string }

func (reporter) Helper()                   {}
func (reporter) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, "warning: "+f+"\n", a...) }
func (reporter) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (reporter) Fatalf(f string, a ...any) { panic(fatal{fmt.Sprintf(f, a...)}) }

func run(o options) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", f.msg)
		}
	}()
	if os.Geteuid() != 0 {
		return fmt.Errorf("run as root")
	}
	res := results{Machine: machine(), Started: time.Now()}
	work, err := os.MkdirTemp("", "minikubelet-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	rep := reporter{}
	hostNet := hosttest.Snapshot(rep)

	a := &agentProc{
		bin: abs(o.agent), pause: abs(o.pause), images: abs(o.images),
		root: filepath.Join(work, "root"), manifests: filepath.Join(work, "manifests"),
		namespace: "minikubelet-bench", bridge: "mklbench",
		cidr: hosttest.FreeSubnet(rep).String(), port: hosttest.FreePort(rep),
	}
	defer func() {
		a.stop()
		hostNet.Cleanup(rep, a.bridge, nil)
		if rerr := removeNamespace(a.namespace); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if err := a.start(); err != nil {
		return fmt.Errorf("start the agent: %w", err)
	}
	say := func(f string, args ...any) { fmt.Fprintf(os.Stderr, "== "+f+"\n", args...) }

	f, err := newFloor(a, work)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	defer f.close()
	var p *peerRun
	if !o.skipPeer {
		if p, err = newPeer(work); err != nil {
			res.PeerNote = err.Error()
			say("peer skipped: %v", err)
		} else {
			defer p.close()
			res.PeerVersion = p.version
		}
	}
	p1, p2 := hosttest.FreePort(rep), hosttest.FreePort(rep)
	seed := func(name string) string { return seedPod(name, p1, p2) }
	// Samples interleave ours, the floor's and the peer's, so that the machine's drift over the
	// run touches all three alike.
	say("pod start and deletion, one-container and seed pods, %d samples each, interleaved with the floor and the peer", o.samples)
	var lat latencies
	for i := range o.samples {
		for _, kind := range []struct {
			manifest func(string) string
			ours     *sampleSet
			floor    func() (time.Duration, error)
		}{
			{onePod, &lat.one, func() (time.Duration, error) { return f.one(i) }},
			{seed, &lat.seed, func() (time.Duration, error) { return f.seed(i, p1, p2) }},
		} {
			s, d, err := startDelete(a, kind.manifest)
			if err != nil {
				return err
			}
			kind.ours.start, kind.ours.del = append(kind.ours.start, s), append(kind.ours.del, d)
			fl, err := kind.floor()
			if err != nil {
				return fmt.Errorf("floor: %w", err)
			}
			kind.ours.floor = append(kind.ours.floor, fl)
			if p != nil && kind.ours.peerErr == nil {
				ps, pd, err := p.sample(kind.manifest)
				if err != nil {
					// The peer failing a pod is a finding, not the end of the run.
					kind.ours.peerErr = err
					say("peer failed: %v", err)
					continue
				}
				kind.ours.peerStart, kind.ours.peerDel = append(kind.ours.peerStart, ps), append(kind.ours.peerDel, pd)
			}
		}
	}
	res.OneStart, res.OneDelete, res.FloorOne = summarize(lat.one.start), summarize(lat.one.del), summarize(lat.one.floor)
	res.SeedStart, res.SeedDelete, res.FloorSeed = summarize(lat.seed.start), summarize(lat.seed.del), summarize(lat.seed.floor)
	res.PeerOneStart, res.PeerOneDelete = summarize(lat.one.peerStart), summarize(lat.one.peerDel)
	res.PeerSeedStart, res.PeerSeedDelete = summarize(lat.seed.peerStart), summarize(lat.seed.peerDel)
	for _, e := range []struct {
		what string
		err  error
	}{{"one-container pod", lat.one.peerErr}, {"seed pod", lat.seed.peerErr}} {
		if e.err != nil {
			res.PeerNote += fmt.Sprintf("podman failed the %s, so its row has no peer figure: %s\n", e.what, firstLine(e.err.Error()))
		}
	}

	say("density: %d pods at once, then with probes", o.density)
	if res.Density, err = density(a, o.density, o.steady); err != nil {
		return err
	}
	say("idle: agent CPU with no pods")
	if res.IdleCPU, err = cpuOver(a.pid(), 10*time.Second); err != nil {
		return err
	}

	say("scaling: start latency and RSS at %v running pods", o.levels)
	if res.Scaling, err = scaling(a, o.levels, o.samples); err != nil {
		return err
	}
	res.Finished = time.Now()
	res.print(os.Stdout)
	return res.write(o.out)
}

// sampleSet is one pod shape's samples: ours, the floor's and the peer's.
type sampleSet struct {
	start, del, floor, peerStart, peerDel []time.Duration
	peerErr                               error
}

func firstLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(len(lines), 3)], " / ")
}

type latencies struct{ one, seed sampleSet }

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func (r results) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
