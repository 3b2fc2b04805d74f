package faults

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Env is the environment variable that enables failpoints: a comma-separated list of steps, each
// optionally with ":N" to block only the Nth time the step is reached (default the first).
const Env = "MINIKUBELET_FAILPOINTS"

// Failpoint names the agent places. A container step is followed by "/" and the container's name.
const (
	NetnsCreated     = "sandbox/netns-created"  // the pod's netns exists, CNI ADD not yet done
	CNIAdded         = "sandbox/cni-added"      // CNI ADD returned; the IP is leased
	PauseCreated     = "sandbox/pause-created"  // the pause container exists, its task does not
	PauseStarted     = "sandbox/pause-started"  // the pause task runs; its IPs are not yet recorded
	BeforeCNIDel     = "sandbox/before-cni-del" // the pause container is gone, CNI DEL not yet run
	ContainerCreated = "container-created"      // + "/NAME": created, not started
	ContainerStarted = "container-started"      // + "/NAME": started, not yet reported
	StopSignalled    = "stop-signalled"         // the stop signal is sent; the grace period runs
)

// Container is the name of a per-container step.
func Container(step, name string) string { return step + "/" + name }

// Points is a set of enabled failpoints. The zero and the nil value enable none.
type Points struct {
	log *slog.Logger

	at map[string]int // step -> the reach (1-based) that blocks; set by Parse, then only read

	mu      sync.Mutex     // guards reached
	reached map[string]int // step -> how often it was reached
}

// Parse reads a failpoint list ("step,step:N"). An empty list returns nil: nothing enabled.
func Parse(spec string, log *slog.Logger) (*Points, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	if log == nil {
		log = slog.Default()
	}
	p := &Points{log: log, at: map[string]int{}, reached: map[string]int{}}
	for _, item := range strings.Split(spec, ",") {
		step, nth, found := strings.Cut(strings.TrimSpace(item), ":")
		if step == "" {
			return nil, fmt.Errorf("failpoint %q: empty step", item)
		}
		n := 1
		if found {
			v, err := strconv.Atoi(nth)
			if err != nil || v < 1 {
				return nil, fmt.Errorf("failpoint %q: the count after ':' must be a positive number", item)
			}
			n = v
		}
		p.at[step] = n
	}
	return p, nil
}

// Steps lists the enabled steps, for the agent to log at start.
func (p *Points) Steps() []string {
	if p == nil {
		return nil
	}
	var out []string
	for step, n := range p.at {
		out = append(out, fmt.Sprintf("%s:%d", step, n))
	}
	slices.Sort(out)
	return out
}

// Hang blocks at step if it is enabled for this reach, until ctx ends (in practice, until the
// test kills the process). It returns at once otherwise.
func (p *Points) Hang(ctx context.Context, step string) {
	if p == nil || !p.trip(step) {
		return
	}
	p.log.Warn("failpoint reached "+step, "failpoint", step)
	<-ctx.Done()
}

// trip counts a reach of step and reports whether this one blocks.
func (p *Points) trip(step string) bool {
	n, ok := p.at[step]
	if !ok {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reached[step]++
	return p.reached[step] == n
}
