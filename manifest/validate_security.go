package manifest

import (
	"fmt"
	"math"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// safeSysctls are kubelet's safe set (pkg/kubelet/sysctl/safe_sysctls.go): namespaced, and unable
// to affect other pods or the node. Others need --allowed-unsafe-sysctls in kubelet; minikubelet
// refuses them.
func safeSysctls() []string {
	return []string{
		"kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range",
		"net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range",
		"net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
	}
}

// capabilities are the Linux capabilities by the names securityContext uses (without "CAP_").
func capabilities() []string {
	return []string{
		"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE",
		"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL",
		"LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN",
		"NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP",
		"SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE",
		"SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG",
		"WAKE_ALARM",
	}
}

// validatePodSecurity checks spec.securityContext.
func validatePodSecurity(spec *v1.PodSpec, path *field.Path) field.ErrorList {
	sc := spec.SecurityContext
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	errs = append(errs, validateID(sc.RunAsUser, path.Child("runAsUser"))...)
	errs = append(errs, validateID(sc.RunAsGroup, path.Child("runAsGroup"))...)
	errs = append(errs, validateID(sc.FSGroup, path.Child("fsGroup"))...)
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, validateID(&g, path.Child("supplementalGroups").Index(i))...)
	}
	if p := sc.SupplementalGroupsPolicy; p != nil && *p != v1.SupplementalGroupsPolicyMerge {
		errs = append(errs, field.Forbidden(path.Child("supplementalGroupsPolicy"), notSupportedYet))
	}
	errs = append(errs, validateSeccomp(sc.SeccompProfile, path.Child("seccompProfile"))...)
	errs = append(errs, forbidUnsupported(sc.SELinuxOptions != nil, sc.AppArmorProfile != nil, sc.WindowsOptions != nil, path)...)
	seen := map[string]bool{}
	for i, s := range sc.Sysctls {
		spath := path.Child("sysctls").Index(i).Child("name")
		switch {
		case s.Name == "":
			errs = append(errs, field.Required(spath, ""))
		case seen[s.Name]:
			errs = append(errs, field.Duplicate(spath, s.Name))
		case !slices.Contains(safeSysctls(), s.Name):
			errs = append(errs, field.Forbidden(spath, fmt.Sprintf("sysctl %q is not in the safe set (%s)", s.Name, strings.Join(safeSysctls(), ", "))))
		case spec.HostNetwork && strings.HasPrefix(s.Name, "net."):
			errs = append(errs, field.Invalid(spath, s.Name, "may not be set when hostNetwork is enabled"))
		case spec.HostIPC && strings.HasPrefix(s.Name, "kernel.shm"):
			errs = append(errs, field.Invalid(spath, s.Name, "may not be set when hostIPC is enabled"))
		}
		seen[s.Name] = true
	}
	return errs
}

// validateContainerSecurity checks a container's securityContext.
func validateContainerSecurity(sc *v1.SecurityContext, path *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	errs = append(errs, validateID(sc.RunAsUser, path.Child("runAsUser"))...)
	errs = append(errs, validateID(sc.RunAsGroup, path.Child("runAsGroup"))...)
	errs = append(errs, validateSeccomp(sc.SeccompProfile, path.Child("seccompProfile"))...)
	errs = append(errs, forbidUnsupported(sc.SELinuxOptions != nil, sc.AppArmorProfile != nil, sc.WindowsOptions != nil, path)...)
	if sc.ProcMount != nil && *sc.ProcMount != v1.DefaultProcMount {
		errs = append(errs, field.Forbidden(path.Child("procMount"), "only Default is supported (Unmasked needs a user namespace)"))
	}
	if caps := sc.Capabilities; caps != nil {
		errs = append(errs, validateCapabilities(caps.Add, path.Child("capabilities", "add"))...)
		errs = append(errs, validateCapabilities(caps.Drop, path.Child("capabilities", "drop"))...)
	}
	if ape := sc.AllowPrivilegeEscalation; ape != nil && !*ape {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, field.Invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sc.Capabilities != nil && slices.ContainsFunc(sc.Capabilities.Add, func(c v1.Capability) bool {
			return strings.EqualFold(string(c), "SYS_ADMIN") || strings.EqualFold(string(c), "CAP_SYS_ADMIN")
		}) {
			errs = append(errs, field.Invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
		}
	}
	return errs
}

func validateCapabilities(caps []v1.Capability, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	known := capabilities()
	for i, c := range caps {
		name := strings.ToUpper(string(c))
		switch {
		case name == "ALL" || slices.Contains(known, name):
		case strings.HasPrefix(name, "CAP_") && slices.Contains(known, strings.TrimPrefix(name, "CAP_")):
			errs = append(errs, field.Invalid(path.Index(i), string(c), "name the capability without the CAP_ prefix, as Kubernetes does: "+strings.TrimPrefix(name, "CAP_")))
		default:
			errs = append(errs, field.NotSupported(path.Index(i), string(c), append([]string{"ALL"}, known...)))
		}
	}
	return errs
}

// validateID checks a user or group ID as the API server does.
func validateID(id *int64, path *field.Path) field.ErrorList {
	if id == nil || (*id >= 0 && *id <= math.MaxInt32) {
		return nil
	}
	return field.ErrorList{field.Invalid(path, *id, fmt.Sprintf("must be between 0 and %d, inclusive", math.MaxInt32))}
}

// validateSeccomp checks a seccompProfile as the API server does: a Localhost profile names a file
// under the node's seccomp root by a relative path without "..", and only Localhost has one.
func validateSeccomp(sp *v1.SeccompProfile, path *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	var errs field.ErrorList
	lp := path.Child("localhostProfile")
	switch sp.Type {
	case v1.SeccompProfileTypeLocalhost:
		if sp.LocalhostProfile == nil || *sp.LocalhostProfile == "" {
			errs = append(errs, field.Required(lp, "must be set when seccomp type is Localhost"))
		} else {
			errs = append(errs, localDescendingPath(*sp.LocalhostProfile, lp)...)
		}
	case v1.SeccompProfileTypeRuntimeDefault, v1.SeccompProfileTypeUnconfined:
		if sp.LocalhostProfile != nil {
			errs = append(errs, field.Invalid(lp, *sp.LocalhostProfile, "can only be set when seccomp type is Localhost"))
		}
	case "":
		errs = append(errs, field.Required(path.Child("type"), ""))
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), sp.Type, []v1.SeccompProfileType{
			v1.SeccompProfileTypeRuntimeDefault, v1.SeccompProfileTypeUnconfined, v1.SeccompProfileTypeLocalhost}))
	}
	return errs
}

func forbidUnsupported(seLinux, appArmor, windows bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if seLinux {
		errs = append(errs, field.Forbidden(path.Child("seLinuxOptions"), notSupportedYet))
	}
	if appArmor {
		errs = append(errs, field.Forbidden(path.Child("appArmorProfile"), notSupportedYet))
	}
	if windows {
		errs = append(errs, field.Forbidden(path.Child("windowsOptions"), "not supported on Linux"))
	}
	return errs
}
