package containerd

import (
	"context"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/minikubelet/minikubelet/cgroups"
)

// resourceSpecOpts puts a container's CPU and memory limits into its spec. runc writes them into
// the container's cgroup and, on cgroup v2, turns cpu.shares into cpu.weight by the same conversion
// as kubelet (cgroups.SharesToWeight). With swapLimit (the host accounts swap), swap is capped at
// the memory limit so that the limit holds, as containerd's CRI plugin does.
func resourceSpecOpts(r cgroups.Resources, swapLimit bool) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if r.CPUShares > 0 {
		opts = append(opts, oci.WithCPUShares(r.CPUShares))
	}
	if r.CPUQuota > 0 {
		opts = append(opts, oci.WithCPUCFS(r.CPUQuota, r.CPUPeriod))
	}
	if r.MemoryLimit > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(r.MemoryLimit)))
		if swapLimit {
			opts = append(opts, oci.WithMemorySwap(r.MemoryLimit))
		}
	}
	return opts
}

// withOOMScoreAdj sets the process's oom_score_adj, raised to floor where the host would refuse a
// lower one.
func withOOMScoreAdj(score, floor int) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Process == nil {
			s.Process = &specs.Process{}
		}
		score = max(score, floor)
		s.Process.OOMScoreAdj = &score
		return nil
	}
}
