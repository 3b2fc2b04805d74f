package containerd

import (
	"context"
	"fmt"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/minikubelet/minikubelet/runtime"
	"github.com/minikubelet/minikubelet/sandbox"
)

// The spec builders are pure: lists of oci.SpecOpts on top of containerd's default spec (default
// capabilities, masked and read-only paths) plus containerd's default seccomp profile, as the CRI
// plugin gives every container. No I/O happens until containerd applies them.

// specHost is what the spec builders need to know of the host.
type specHost struct {
	// swapLimit says the host accounts swap per cgroup (v1 memory.memsw.*, or cgroup v2).
	swapLimit bool
	// minOOMScoreAdj is the lowest oom_score_adj runc may set: -1000 with CAP_SYS_RESOURCE, else
	// 0 (lowering it needs the capability, and runc fails the container when refused).
	minOOMScoreAdj int
}

// containerSpecOpts builds an app container's spec: it joins the pause container's network, IPC and
// UTS namespaces (and PID with shareProcessNamespace) through /proc/PID/ns, runs as the resolved
// user with the securityContext applied, and has the container's limits in the pod's cgroup.
func containerSpecOpts(cfg runtime.ContainerConfig, host specHost) []oci.SpecOpts {
	cwd := cfg.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	opts := []oci.SpecOpts{
		oci.WithProcessArgs(cfg.Args...),
		oci.WithEnv(cfg.Env),
		oci.WithProcessCwd(cwd),
		withMountsReplacing(bindMounts(cfg.Mounts)),
		oci.WithAnnotations(map[string]string{groupAnnotation: cfg.SandboxID}),
	}
	if cfg.User != "" {
		opts = append(opts, oci.WithUser(cfg.User))
	}
	opts = append(opts, securitySpecOpts(cfg.Security)...)
	opts = append(opts, resourceSpecOpts(cfg.Resources, host.swapLimit)...)
	opts = append(opts, withOOMScoreAdj(cfg.OOMScoreAdj, host.minOOMScoreAdj))
	if cfg.CgroupParent != "" {
		opts = append(opts, withCgroupParent(cfg.CgroupParent))
	}
	nsPath := func(kind string) string { return fmt.Sprintf("/proc/%d/ns/%s", cfg.SandboxPid, kind) }
	if cfg.HostNetwork {
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace), oci.WithHostNamespace(specs.UTSNamespace))
	} else {
		opts = append(opts,
			oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: nsPath("net")}),
			oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.UTSNamespace, Path: nsPath("uts")}))
	}
	if cfg.HostIPC {
		opts = append(opts, oci.WithHostNamespace(specs.IPCNamespace))
	} else {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.IPCNamespace, Path: nsPath("ipc")}))
	}
	switch {
	case cfg.HostPID:
		opts = append(opts, oci.WithHostNamespace(specs.PIDNamespace))
	case cfg.ShareProcessNamespace:
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.PIDNamespace, Path: nsPath("pid")}))
	}
	return opts
}

// pauseSpecOpts builds the pause container's spec: it enters the pinned network namespace and owns
// fresh IPC, UTS (with the pod's hostname) and PID namespaces.
func pauseSpecOpts(cfg sandbox.PauseConfig, host specHost) []oci.SpecOpts {
	opts := []oci.SpecOpts{
		oci.WithProcessArgs("/pause"),
		oci.WithProcessCwd("/"),
		oci.WithRootFSReadonly(),
		oci.WithAnnotations(map[string]string{groupAnnotation: cfg.ID}),
		seccomp.WithDefaultProfile(),
		withMountsReplacing(bindMounts(cfg.Mounts)),
	}
	if cfg.NetnsPath == "" {
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace), oci.WithHostNamespace(specs.UTSNamespace))
	} else {
		opts = append(opts,
			oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: cfg.NetnsPath}),
			oci.WithHostname(cfg.Hostname))
	}
	if cfg.HostIPC {
		opts = append(opts, oci.WithHostNamespace(specs.IPCNamespace))
	}
	if cfg.HostPID {
		opts = append(opts, oci.WithHostNamespace(specs.PIDNamespace))
	}
	if cfg.CgroupParent != "" {
		opts = append(opts, withCgroupParent(cfg.CgroupParent))
	}
	if len(cfg.Sysctls) > 0 {
		opts = append(opts, withSysctls(cfg.Sysctls))
	}
	opts = append(opts, withOOMScoreAdj(cfg.OOMScoreAdj, host.minOOMScoreAdj))
	return opts
}

func bindMounts(mounts []runtime.Mount) []specs.Mount {
	out := make([]specs.Mount, 0, len(mounts))
	for _, m := range mounts {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		out = append(out, specs.Mount{
			Destination: m.ContainerPath,
			Type:        "bind",
			Source:      m.HostPath,
			Options:     []string{"rbind", "rprivate", mode},
		})
	}
	return out
}

// withMountsReplacing adds mounts, dropping any default mount at the same destination (our
// /dev/shm replaces the default spec's private one).
func withMountsReplacing(mounts []specs.Mount) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		replaced := map[string]bool{}
		for _, m := range mounts {
			replaced[m.Destination] = true
		}
		kept := s.Mounts[:0]
		for _, m := range s.Mounts {
			if !replaced[m.Destination] {
				kept = append(kept, m)
			}
		}
		s.Mounts = append(kept, mounts...)
		return nil
	}
}
