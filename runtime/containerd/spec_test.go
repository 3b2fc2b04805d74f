package containerd

import (
	"context"
	"slices"
	"testing"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/oci"

	"github.com/minikubelet/minikubelet/cgroups"
	"github.com/minikubelet/minikubelet/runtime"
	"github.com/minikubelet/minikubelet/sandbox"
)

// buildSpec applies spec options to containerd's default spec, as NewContainer does.
func buildSpec(t *testing.T, opts []oci.SpecOpts) *oci.Spec {
	t.Helper()
	ctx := namespaces.WithNamespace(context.Background(), "test")
	s, err := oci.GenerateSpec(ctx, nil, &containers.Container{ID: "c1"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func baseConfig() runtime.ContainerConfig {
	return runtime.ContainerConfig{Name: "app", Args: []string{"/bin/sh"}, SandboxPid: 42,
		Security: runtime.SecurityConfig{Seccomp: runtime.SeccompRuntimeDefault}}
}

func TestContainerSpecDefaults(t *testing.T) {
	s := buildSpec(t, containerSpecOpts(baseConfig(), specHost{}))
	if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction == "" {
		t.Error("no default seccomp profile")
	}
	if !s.Process.NoNewPrivileges {
		t.Error("containerd's default no_new_privs cleared")
	}
	if s.Root.Readonly {
		t.Error("read-only root by default")
	}
	if slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
		t.Error("CAP_SYS_ADMIN by default")
	}
	if !slices.Contains(s.Process.Capabilities.Bounding, "CAP_NET_RAW") {
		t.Error("the default spec's CAP_NET_RAW missing")
	}
	if len(s.Linux.MaskedPaths) == 0 || len(s.Linux.ReadonlyPaths) == 0 {
		t.Error("default masked or read-only paths missing")
	}
	if s.Linux.CgroupsPath != "/test/c1" {
		t.Errorf("cgroupsPath without a parent = %q, want containerd's default", s.Linux.CgroupsPath)
	}
	if s.Linux.Resources.CPU != nil || s.Linux.Resources.Memory != nil {
		t.Errorf("resources set without limits: %+v", s.Linux.Resources)
	}
}

func TestContainerSpecResources(t *testing.T) {
	cfg := baseConfig()
	cfg.CgroupParent = "/kubepods/burstable/podu1"
	cfg.Resources = cgroups.Resources{CPUShares: 102, CPUQuota: 20000, CPUPeriod: 100000, MemoryLimit: 16 << 20}
	tests := []struct {
		name     string
		host     specHost
		wantSwap bool
	}{
		{name: "swap accounted: swap capped at the limit", host: specHost{swapLimit: true}, wantSwap: true},
		{name: "no swap accounting", host: specHost{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := buildSpec(t, containerSpecOpts(cfg, tt.host))
			if s.Linux.CgroupsPath != "/kubepods/burstable/podu1/c1" {
				t.Errorf("cgroupsPath = %q", s.Linux.CgroupsPath)
			}
			cpu, mem := s.Linux.Resources.CPU, s.Linux.Resources.Memory
			if cpu == nil || *cpu.Shares != 102 || *cpu.Quota != 20000 || *cpu.Period != 100000 {
				t.Errorf("cpu = %+v", cpu)
			}
			if mem == nil || *mem.Limit != 16<<20 {
				t.Fatalf("memory = %+v", mem)
			}
			if got := mem.Swap != nil && *mem.Swap == 16<<20; got != tt.wantSwap {
				t.Errorf("swap = %v, want capped %v", mem.Swap, tt.wantSwap)
			}
		})
	}
}

func TestContainerSpecSecurity(t *testing.T) {
	tests := []struct {
		name  string
		user  string
		sec   runtime.SecurityConfig
		check func(t *testing.T, s *oci.Spec)
	}{
		{
			name: "runAsUser and groups",
			user: "1000:2000",
			sec:  runtime.SecurityConfig{SupplementalGroups: []uint32{3000, 4000}},
			check: func(t *testing.T, s *oci.Spec) {
				u := s.Process.User
				if u.UID != 1000 || u.GID != 2000 || !slices.Equal(u.AdditionalGids, []uint32{2000, 3000, 4000}) {
					t.Errorf("user = %+v", u)
				}
			},
		},
		{
			name: "drop one, add one",
			sec:  runtime.SecurityConfig{CapAdd: []string{"CAP_SYS_TIME"}, CapDrop: []string{"CAP_NET_RAW"}},
			check: func(t *testing.T, s *oci.Spec) {
				for _, set := range [][]string{s.Process.Capabilities.Bounding, s.Process.Capabilities.Effective, s.Process.Capabilities.Permitted} {
					if slices.Contains(set, "CAP_NET_RAW") || !slices.Contains(set, "CAP_SYS_TIME") {
						t.Errorf("capabilities = %v", set)
					}
				}
			},
		},
		{
			name: "drop ALL then add one",
			sec:  runtime.SecurityConfig{CapAdd: []string{"CAP_NET_BIND_SERVICE"}, CapDrop: []string{"ALL"}},
			check: func(t *testing.T, s *oci.Spec) {
				if got := s.Process.Capabilities.Bounding; !slices.Equal(got, []string{"CAP_NET_BIND_SERVICE"}) {
					t.Errorf("bounding = %v", got)
				}
			},
		},
		{
			name: "read-only root, no_new_privs",
			sec:  runtime.SecurityConfig{ReadOnlyRootfs: true, AllowPrivilegeEscalation: ptr(false)},
			check: func(t *testing.T, s *oci.Spec) {
				if !s.Root.Readonly || !s.Process.NoNewPrivileges {
					t.Errorf("readonly %v, no_new_privs %v", s.Root.Readonly, s.Process.NoNewPrivileges)
				}
			},
		},
		{
			name: "allowPrivilegeEscalation true clears no_new_privs",
			sec:  runtime.SecurityConfig{AllowPrivilegeEscalation: ptr(true)},
			check: func(t *testing.T, s *oci.Spec) {
				if s.Process.NoNewPrivileges {
					t.Error("no_new_privs set")
				}
			},
		},
		{
			name: "unconfined",
			sec:  runtime.SecurityConfig{Seccomp: runtime.SeccompUnconfined},
			check: func(t *testing.T, s *oci.Spec) {
				if s.Linux.Seccomp != nil {
					t.Error("seccomp set")
				}
			},
		},
		{
			name: "localhost profile",
			sec: runtime.SecurityConfig{Seccomp: runtime.SeccompLocalhost, SeccompProfileName: "p.json",
				SeccompProfileJSON: []byte(`{"defaultAction":"SCMP_ACT_LOG"}`)},
			check: func(t *testing.T, s *oci.Spec) {
				if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != "SCMP_ACT_LOG" {
					t.Errorf("seccomp = %+v", s.Linux.Seccomp)
				}
			},
		},
		{
			name: "privileged",
			sec:  runtime.SecurityConfig{Privileged: true, CapDrop: []string{"ALL"}},
			check: func(t *testing.T, s *oci.Spec) {
				if s.Linux.Seccomp != nil {
					t.Error("seccomp on a privileged container")
				}
				if len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
					t.Error("masked or read-only paths on a privileged container")
				}
				if !slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
					t.Error("privileged without CAP_SYS_ADMIN (capabilities drops apply only unprivileged)")
				}
				allowed := false
				for _, d := range s.Linux.Resources.Devices {
					allowed = allowed || (d.Allow && d.Type == "" && d.Major == nil)
				}
				if !allowed {
					t.Errorf("devices not all allowed: %+v", s.Linux.Resources.Devices)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.User = tt.user
			if tt.sec.Seccomp == "" {
				tt.sec.Seccomp = runtime.SeccompRuntimeDefault
			}
			cfg.Security = tt.sec
			tt.check(t, buildSpec(t, containerSpecOpts(cfg, specHost{})))
		})
	}
}

func TestLocalhostSeccompEmptyRefused(t *testing.T) {
	ctx := namespaces.WithNamespace(context.Background(), "test")
	for _, data := range []string{"", "{}", "not json"} {
		_, err := oci.GenerateSpec(ctx, nil, &containers.Container{ID: "c1"}, withSeccompProfile("p.json", []byte(data)))
		if err == nil {
			t.Errorf("profile %q accepted", data)
		}
	}
}

func TestPauseSpec(t *testing.T) {
	s := buildSpec(t, pauseSpecOpts(sandbox.PauseConfig{ID: "c1", NetnsPath: "/run/netns/x", OOMScoreAdj: -998,
		CgroupParent: "/kubepods/besteffort/podu1", Sysctls: map[string]string{"net.ipv4.tcp_syncookies": "1"}}, specHost{minOOMScoreAdj: -1000}))
	if s.Linux.CgroupsPath != "/kubepods/besteffort/podu1/c1" {
		t.Errorf("cgroupsPath = %q", s.Linux.CgroupsPath)
	}
	if s.Linux.Sysctl["net.ipv4.tcp_syncookies"] != "1" {
		t.Errorf("sysctls = %v", s.Linux.Sysctl)
	}
	if !s.Root.Readonly || s.Linux.Seccomp == nil {
		t.Error("pause lost its read-only root or seccomp profile")
	}
	if s.Process.OOMScoreAdj == nil || *s.Process.OOMScoreAdj != -998 {
		t.Errorf("pause oom_score_adj = %v, want -998", s.Process.OOMScoreAdj)
	}
}

func TestOOMScoreAdjRaisedToWhatTheHostAllows(t *testing.T) {
	tests := []struct {
		name       string
		score, min int
		want       int
	}{
		{name: "guaranteed with CAP_SYS_RESOURCE", score: -997, min: -1000, want: -997},
		{name: "guaranteed without it", score: -997, min: 0, want: 0},
		{name: "besteffort either way", score: 1000, min: 0, want: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.OOMScoreAdj = tt.score
			s := buildSpec(t, containerSpecOpts(cfg, specHost{minOOMScoreAdj: tt.min}))
			if s.Process.OOMScoreAdj == nil || *s.Process.OOMScoreAdj != tt.want {
				t.Errorf("oom_score_adj = %v, want %d", s.Process.OOMScoreAdj, tt.want)
			}
		})
	}
}
