package containerd

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/minikubelet/minikubelet/runtime"
)

// securitySpecOpts applies a container's securityContext on top of containerd's default spec, as
// containerd's CRI plugin does: privileged gets every capability and host device, no seccomp
// filter and no masked or read-only paths; otherwise capabilities are added and dropped ("ALL"
// first, so "drop ALL, add NET_BIND_SERVICE" keeps one) and the seccomp profile applies. Nothing
// here reads the image: an image cannot raise its own privileges.
func securitySpecOpts(sec runtime.SecurityConfig) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if sec.Privileged {
		opts = append(opts, oci.WithPrivileged, oci.WithHostDevices, oci.WithAllDevicesAllowed)
	} else {
		opts = append(opts, seccompSpecOpts(sec)...)
		if slices.Contains(sec.CapAdd, "ALL") {
			opts = append(opts, oci.WithAllCurrentCapabilities)
		}
		if slices.Contains(sec.CapDrop, "ALL") {
			opts = append(opts, oci.WithCapabilities(nil))
		}
		add := slices.DeleteFunc(slices.Clone(sec.CapAdd), func(c string) bool { return c == "ALL" })
		drop := slices.DeleteFunc(slices.Clone(sec.CapDrop), func(c string) bool { return c == "ALL" })
		if len(add) > 0 {
			opts = append(opts, oci.WithAddedCapabilities(add))
		}
		if len(drop) > 0 {
			opts = append(opts, oci.WithDroppedCapabilities(drop))
		}
	}
	if len(sec.SupplementalGroups) > 0 {
		opts = append(opts, withSupplementalGroups(sec.SupplementalGroups))
	}
	if sec.ReadOnlyRootfs {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	if ape := sec.AllowPrivilegeEscalation; ape != nil {
		if *ape {
			opts = append(opts, oci.WithNewPrivileges)
		} else {
			opts = append(opts, oci.WithNoNewPrivileges)
		}
	}
	return opts
}

// seccompSpecOpts picks the seccomp filter; the default spec has none, so Unconfined adds nothing.
func seccompSpecOpts(sec runtime.SecurityConfig) []oci.SpecOpts {
	switch sec.Seccomp {
	case runtime.SeccompUnconfined:
		return nil
	case runtime.SeccompLocalhost:
		return []oci.SpecOpts{withSeccompProfile(sec.SeccompProfileName, sec.SeccompProfileJSON)}
	default:
		return []oci.SpecOpts{seccomp.WithDefaultProfile()}
	}
}

// withSeccompProfile installs a Localhost profile the engine read from the node. An empty profile
// is refused rather than treated as no filter.
func withSeccompProfile(name string, data []byte) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		var profile specs.LinuxSeccomp
		if err := json.Unmarshal(data, &profile); err != nil {
			return fmt.Errorf("seccomp profile %q: %w", name, err)
		}
		if profile.DefaultAction == "" {
			return fmt.Errorf("seccomp profile %q is empty", name)
		}
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		s.Linux.Seccomp = &profile
		return nil
	}
}

// withSupplementalGroups adds the pod's supplementalGroups (and fsGroup) to the process's groups.
// It must come after the user is set, which resets them.
func withSupplementalGroups(groups []uint32) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Process == nil {
			s.Process = &specs.Process{}
		}
		for _, g := range groups {
			if !slices.Contains(s.Process.User.AdditionalGids, g) {
				s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, g)
			}
		}
		return nil
	}
}

// withSysctls sets sysctls in the namespaces the container owns (the pause container's, shared by
// the pod).
func withSysctls(sysctls map[string]string) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		if s.Linux.Sysctl == nil {
			s.Linux.Sysctl = map[string]string{}
		}
		for k, v := range sysctls {
			s.Linux.Sysctl[k] = v
		}
		return nil
	}
}

// withCgroupParent puts the container's cgroup under its pod's, named by the container ID (as
// kubelet's cgroupfs driver lays it out: /kubepods/burstable/pod<UID>/<ID>).
func withCgroupParent(parent string) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, c *containers.Container, s *oci.Spec) error {
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		s.Linux.CgroupsPath = path.Join(parent, c.ID)
		return nil
	}
}
