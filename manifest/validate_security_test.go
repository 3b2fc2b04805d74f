package manifest

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestValidateResourcesAndSecurity(t *testing.T) {
	csc := func(p *v1.Pod) *v1.SecurityContext {
		if main0(p).SecurityContext == nil {
			main0(p).SecurityContext = &v1.SecurityContext{}
		}
		return main0(p).SecurityContext
	}
	tests := []struct {
		name   string
		mutate func(*v1.Pod)
		want   []wantError
	}{
		{
			name: "limits and requests",
			mutate: func(p *v1.Pod) {
				main0(p).Resources = v1.ResourceRequirements{
					Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   v1.ResourceList{v1.ResourceCPU: resource.MustParse("1"), v1.ResourceMemory: resource.MustParse("16Mi"), "hugepages-2Mi": resource.MustParse("0")},
				}
			},
		},
		{
			name: "request above limit",
			mutate: func(p *v1.Pod) {
				main0(p).Resources = v1.ResourceRequirements{
					Requests: v1.ResourceList{v1.ResourceMemory: resource.MustParse("32Mi")},
					Limits:   v1.ResourceList{v1.ResourceMemory: resource.MustParse("16Mi")},
				}
			},
			want: []wantError{{field: "spec.containers[0].resources.requests[memory]", prefix: `Invalid value: "32Mi": must be less than or equal to memory limit of 16Mi`}},
		},
		{
			name: "negative and unknown resources",
			mutate: func(p *v1.Pod) {
				main0(p).Resources = v1.ResourceRequirements{
					Limits: v1.ResourceList{v1.ResourceCPU: resource.MustParse("-1"), "cpus": resource.MustParse("1")},
				}
			},
			want: []wantError{
				{field: "spec.containers[0].resources.limits[cpus]", prefix: "Unsupported value"},
				{field: "spec.containers[0].resources.limits[cpu]", prefix: "Invalid value"},
			},
		},
		{
			name: "a full, valid securityContext",
			mutate: func(p *v1.Pod) {
				p.Spec.SecurityContext = &v1.PodSecurityContext{
					RunAsUser: ptr[int64](1000), RunAsGroup: ptr[int64](1000), RunAsNonRoot: ptr(true),
					FSGroup: ptr[int64](2000), SupplementalGroups: []int64{3000},
					SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeRuntimeDefault},
					Sysctls:        []v1.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}, {Name: "kernel.shm_rmid_forced", Value: "1"}},
				}
				*csc(p) = v1.SecurityContext{
					Capabilities:           &v1.Capabilities{Drop: []v1.Capability{"ALL"}, Add: []v1.Capability{"NET_BIND_SERVICE"}},
					ReadOnlyRootFilesystem: ptr(true), AllowPrivilegeEscalation: ptr(false), ProcMount: ptr(v1.DefaultProcMount),
					SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("profiles/audit.json")},
				}
			},
		},
		{
			name: "unsafe and duplicate sysctls",
			mutate: func(p *v1.Pod) {
				p.Spec.SecurityContext.Sysctls = []v1.Sysctl{{Name: "kernel.msgmax", Value: "1"}, {Name: "net.ipv4.tcp_syncookies", Value: "1"}, {Name: "net.ipv4.tcp_syncookies", Value: "0"}}
			},
			want: []wantError{
				{field: "spec.securityContext.sysctls[0].name", prefix: `Forbidden: sysctl "kernel.msgmax" is not in the safe set`},
				{field: "spec.securityContext.sysctls[2].name", prefix: "Duplicate value"},
			},
		},
		{
			name: "net sysctl with hostNetwork",
			mutate: func(p *v1.Pod) {
				p.Spec.HostNetwork = true
				main0(p).Ports = nil
				p.Spec.SecurityContext.Sysctls = []v1.Sysctl{{Name: "net.ipv4.tcp_syncookies", Value: "1"}}
			},
			want: []wantError{{field: "spec.securityContext.sysctls[0].name", prefix: "Invalid value"}},
		},
		{
			name:   "negative IDs",
			mutate: func(p *v1.Pod) { p.Spec.SecurityContext.RunAsUser = ptr[int64](-1); csc(p).RunAsGroup = ptr[int64](-5) },
			want: []wantError{
				{field: "spec.containers[0].securityContext.runAsGroup", prefix: "Invalid value: -5: must be between 0 and 2147483647"},
				{field: "spec.securityContext.runAsUser", prefix: "Invalid value: -1"},
			},
		},
		{
			name: "capabilities: unknown, CAP_ prefix",
			mutate: func(p *v1.Pod) {
				csc(p).Capabilities = &v1.Capabilities{Add: []v1.Capability{"CAP_NET_ADMIN"}, Drop: []v1.Capability{"NET_RAWW"}}
			},
			want: []wantError{
				{field: "spec.containers[0].securityContext.capabilities.add[0]", prefix: `Invalid value: "CAP_NET_ADMIN": name the capability without the CAP_ prefix`},
				{field: "spec.containers[0].securityContext.capabilities.drop[0]", prefix: "Unsupported value"},
			},
		},
		{
			name: "no escalation but privileged or SYS_ADMIN",
			mutate: func(p *v1.Pod) {
				*csc(p) = v1.SecurityContext{AllowPrivilegeEscalation: ptr(false), Privileged: ptr(true),
					Capabilities: &v1.Capabilities{Add: []v1.Capability{"SYS_ADMIN"}}}
			},
			want: []wantError{
				{field: "spec.containers[0].securityContext", prefix: "Invalid value"},
				{field: "spec.containers[0].securityContext", prefix: "Invalid value"},
			},
		},
		{
			name:   "procMount Unmasked",
			mutate: func(p *v1.Pod) { csc(p).ProcMount = ptr(v1.UnmaskedProcMount) },
			want:   []wantError{{field: "spec.containers[0].securityContext.procMount", prefix: "Forbidden"}},
		},
		{
			name: "seccomp: Localhost without a profile, absolute, escaping; a profile on RuntimeDefault",
			mutate: func(p *v1.Pod) {
				p.Spec.SecurityContext.SeccompProfile = &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("")}
				csc(p).SeccompProfile = &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("/etc/x.json")}
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox:1", TerminationMessagePolicy: v1.TerminationMessageReadFile,
					ImagePullPolicy: v1.PullIfNotPresent, TerminationMessagePath: "/dev/termination-log",
					SecurityContext: &v1.SecurityContext{SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeRuntimeDefault, LocalhostProfile: ptr("a")}}}}
				p.Spec.Containers = append(p.Spec.Containers, v1.Container{Name: "two", Image: "busybox:1", TerminationMessagePolicy: v1.TerminationMessageReadFile,
					ImagePullPolicy: v1.PullIfNotPresent, TerminationMessagePath: "/dev/termination-log",
					SecurityContext: &v1.SecurityContext{SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("../x.json")}}})
			},
			want: []wantError{
				{field: "spec.initContainers[0].securityContext.seccompProfile.localhostProfile", prefix: "Invalid value"},
				{field: "spec.containers[0].securityContext.seccompProfile.localhostProfile", prefix: "Invalid value: \"/etc/x.json\": must be a relative path"},
				{field: "spec.containers[1].securityContext.seccompProfile.localhostProfile", prefix: "Invalid value: \"../x.json\": must not contain '..'"},
				{field: "spec.securityContext.seccompProfile.localhostProfile", prefix: "Required value"},
			},
		},
		{
			name:   "seLinuxOptions",
			mutate: func(p *v1.Pod) { p.Spec.SecurityContext.SELinuxOptions = &v1.SELinuxOptions{Level: "s0"} },
			want:   []wantError{{field: "spec.securityContext.seLinuxOptions", prefix: "Forbidden"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := validPod()
			tt.mutate(pod)
			assertFieldErrors(t, Validate(pod), tt.want)
		})
	}
}

// assertFieldErrors checks errors against the fields and message prefixes wanted, in order.
func assertFieldErrors(t *testing.T, errs field.ErrorList, want []wantError) {
	t.Helper()
	if len(errs) != len(want) {
		var lines []string
		for _, e := range errs {
			lines = append(lines, e.Error())
		}
		t.Fatalf("got %d errors, want %d:\n  %s", len(errs), len(want), strings.Join(lines, "\n  "))
	}
	for i, w := range want {
		if errs[i].Field != w.field || !strings.HasPrefix(errs[i].ErrorBody(), w.prefix) {
			t.Errorf("error %d = %s: %s,\nwant %s: %s...", i, errs[i].Field, errs[i].ErrorBody(), w.field, w.prefix)
		}
	}
}
