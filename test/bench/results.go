package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/namespaces"

	"github.com/minikubelet/minikubelet/test/containerdtest"
)

// results is everything one run measured.
type results struct {
	Machine             string
	Started, Finished   time.Time
	OneStart, OneDelete dist
	SeedStart           dist
	SeedDelete          dist
	FloorOne, FloorSeed dist
	PeerVersion         string `json:",omitempty"`
	PeerOneStart        dist
	PeerOneDelete       dist
	PeerSeedStart       dist
	PeerSeedDelete      dist
	PeerNote            string `json:",omitempty"`
	Density             densityResult
	IdleCPU             float64
	Scaling             []scalePoint
}

func machine() string {
	var parts []string
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				parts = append(parts, strings.TrimSpace(strings.SplitN(line, ":", 2)[1]))
				break
			}
		}
	}
	parts = append(parts, fmt.Sprintf("%d cores", runtime.NumCPU()))
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		parts = append(parts, "Linux "+strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("containerd", "--version").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) >= 3 {
			parts = append(parts, "containerd "+f[2])
		}
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(a)/float64(b))
}

func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

func (r results) print(w io.Writer) {
	fmt.Fprintf(w, "minikubelet benchmark, %s, %s\n", r.Machine, r.Started.Format("2006-01-02"))
	if r.PeerVersion != "" {
		fmt.Fprintf(w, "peer: %s (kube play / kube down)\n", r.PeerVersion)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tours\tfloor\tpeer (podman)\tours/floor\tours/peer\tunit")
	peerOne, peerSeed, peerOneDown, peerSeedDown := r.PeerOneStart, r.PeerSeedStart, r.PeerOneDelete, r.PeerSeedDelete
	row := func(name string, ours, floor, peer dist) {
		f, p := "-", "-"
		if floor.N > 0 {
			f = ms(floor.P50)
		}
		if peer.N > 0 {
			p = ms(peer.P50)
		}
		fmt.Fprintf(tw, "%s p50\t%s\t%s\t%s\t%s\t%s\tms\n", name, ms(ours.P50), f, p, ratio(ours.P50, floor.P50), ratio(ours.P50, peer.P50))
		fmt.Fprintf(tw, "%s p90 / max\t%s / %s\t\t\t\t\tms\n", name, ms(ours.P90), ms(ours.Max))
	}
	row("start, one-container pod", r.OneStart, r.FloorOne, peerOne)
	row("start, seed pod", r.SeedStart, r.FloorSeed, peerSeed)
	row("delete, one-container pod", r.OneDelete, dist{}, peerOneDown)
	row("delete, seed pod", r.SeedDelete, dist{}, peerSeedDown)
	d := r.Density
	fmt.Fprintf(tw, "%d pods at once: all Running\t%.1f\t\t\t\t\ts (%.1f pods/s)\n", d.Pods, d.AllRunning.Seconds(), d.PodsPerSecond)
	fmt.Fprintf(tw, "agent RSS with %d pods, peak / steady\t%s / %s\t\t\t\t\tMiB\n", d.Pods, mib(d.RSSPeak), mib(d.RSS))
	fmt.Fprintf(tw, "agent CPU, %d idle pods\t%.2f\t\t\t\t\t%% of a core\n", d.Pods, 100*d.CPU)
	fmt.Fprintf(tw, "agent CPU, %d pods, 2 probes each at 1s\t%.2f\t\t\t\t\t%% of a core (RSS %s MiB)\n", d.Pods, 100*d.CPUProbes, mib(d.RSSProbes))
	fmt.Fprintf(tw, "agent CPU, no pods\t%.2f\t\t\t\t\t%% of a core\n", 100*r.IdleCPU)
	fmt.Fprintf(tw, "%d pods removed: all gone\t%.1f\t\t\t\t\ts\n", d.Pods, d.AllGone.Seconds())
	leaks := "none"
	if len(d.Leaks) > 0 {
		leaks = strings.Join(d.Leaks, "; ")
	}
	fmt.Fprintf(tw, "left behind after the %d-pod cycles\t%s\t\t\t\t\t\n", d.Pods, leaks)
	for _, s := range r.Scaling {
		fmt.Fprintf(tw, "start p50 / agent RSS at %d running pods\t%s / %s\t\t\t\t\tms / MiB\n", s.Running, ms(s.Start.P50), mib(s.RSS))
	}
	tw.Flush()
	if r.PeerNote != "" {
		fmt.Fprintf(w, "\npeer: %s\n", r.PeerNote)
	}
}

// removeNamespace deletes the benchmark's containerd namespace with everything in it.
func removeNamespace(ns string) error {
	client, err := containerd.New(containerdtest.Socket, containerd.WithTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer client.Close()
	ctx := namespaces.WithNamespace(context.Background(), ns)
	if _, err := client.NamespaceService().Labels(ctx, ns); err != nil {
		return nil // never created
	}
	return containerdtest.RemoveNamespace(client, ns)
}
