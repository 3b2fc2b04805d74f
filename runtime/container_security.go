package runtime

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// SeccompKind is how a container's system calls are filtered.
type SeccompKind string

// Seccomp kinds, as the pod spec names them.
const (
	SeccompRuntimeDefault SeccompKind = "RuntimeDefault" // containerd's default profile
	SeccompUnconfined     SeccompKind = "Unconfined"
	SeccompLocalhost      SeccompKind = "Localhost" // a profile file on the node
)

// SecurityConfig is a container's securityContext with the pod's merged in (the container's
// fields win), in the terms the runtime applies. Its zero value is containerd's default spec with
// its default seccomp profile.
type SecurityConfig struct {
	SupplementalGroups []uint32 // the pod's supplementalGroups, then its fsGroup
	Privileged         bool
	CapAdd, CapDrop    []string // "CAP_"-prefixed names, or "ALL"
	ReadOnlyRootfs     bool
	// AllowPrivilegeEscalation is allowPrivilegeEscalation: false sets no_new_privs, true clears
	// it; nil keeps containerd's default spec (no_new_privs set). Privileged and CAP_SYS_ADMIN
	// containers always may escalate, as in Kubernetes.
	AllowPrivilegeEscalation *bool
	Seccomp                  SeccompKind // "" is RuntimeDefault
	// SeccompProfile is the Localhost profile's path on the node (set from SeccompProfileName by
	// the engine) and SeccompProfileJSON its content, read before the container is created.
	SeccompProfileName string
	SeccompProfilePath string
	SeccompProfileJSON []byte
}

// effectiveSecurity merges the pod's securityContext under the container's, as kubelet's
// DetermineEffectiveSecurityContext does for the fields both levels have.
func effectiveSecurity(pod *v1.Pod, c *v1.Container) v1.SecurityContext {
	var out v1.SecurityContext
	if psc := pod.Spec.SecurityContext; psc != nil {
		out.RunAsUser, out.RunAsGroup, out.RunAsNonRoot = psc.RunAsUser, psc.RunAsGroup, psc.RunAsNonRoot
		out.SeccompProfile = psc.SeccompProfile
	}
	csc := c.SecurityContext
	if csc == nil {
		return out
	}
	if csc.RunAsUser != nil {
		out.RunAsUser = csc.RunAsUser
	}
	if csc.RunAsGroup != nil {
		out.RunAsGroup = csc.RunAsGroup
	}
	if csc.RunAsNonRoot != nil {
		out.RunAsNonRoot = csc.RunAsNonRoot
	}
	if csc.SeccompProfile != nil {
		out.SeccompProfile = csc.SeccompProfile
	}
	out.Capabilities, out.Privileged = csc.Capabilities, csc.Privileged
	out.ReadOnlyRootFilesystem, out.AllowPrivilegeEscalation = csc.ReadOnlyRootFilesystem, csc.AllowPrivilegeEscalation
	out.ProcMount = csc.ProcMount
	return out
}

// buildSecurity decides the container's user and security settings from the pod spec and the
// image. Only the image's USER is taken from the image: nothing an image carries can add a
// privilege. It refuses a container that runAsNonRoot forbids, with kubelet's messages.
func buildSecurity(pod *v1.Pod, c *v1.Container, img ImageInfo) (string, SecurityConfig, error) {
	sc := effectiveSecurity(pod, c)
	if err := verifyRunAsNonRoot(pod, c, sc, img.User); err != nil {
		return "", SecurityConfig{}, err
	}
	var sec SecurityConfig
	if psc := pod.Spec.SecurityContext; psc != nil {
		for _, g := range psc.SupplementalGroups {
			sec.SupplementalGroups = append(sec.SupplementalGroups, uint32(g))
		}
		if psc.FSGroup != nil && !slices.Contains(sec.SupplementalGroups, uint32(*psc.FSGroup)) {
			sec.SupplementalGroups = append(sec.SupplementalGroups, uint32(*psc.FSGroup))
		}
	}
	sec.Privileged = sc.Privileged != nil && *sc.Privileged
	if caps := sc.Capabilities; caps != nil {
		sec.CapAdd, sec.CapDrop = capNames(caps.Add), capNames(caps.Drop)
	}
	sec.ReadOnlyRootfs = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
	sec.AllowPrivilegeEscalation = sc.AllowPrivilegeEscalation
	if sec.Privileged || slices.Contains(sec.CapAdd, "CAP_SYS_ADMIN") || slices.Contains(sec.CapAdd, "ALL") {
		allow := true
		sec.AllowPrivilegeEscalation = &allow
	}
	sec.Seccomp = SeccompRuntimeDefault
	if sp := sc.SeccompProfile; sp != nil {
		switch sp.Type {
		case v1.SeccompProfileTypeUnconfined:
			sec.Seccomp = SeccompUnconfined
		case v1.SeccompProfileTypeLocalhost:
			if sp.LocalhostProfile == nil || *sp.LocalhostProfile == "" {
				return "", SecurityConfig{}, fmt.Errorf("seccompProfile: localhostProfile is required with type Localhost")
			}
			sec.Seccomp, sec.SeccompProfileName = SeccompLocalhost, *sp.LocalhostProfile
		}
	}
	return containerUser(sc, img.User), sec, nil
}

// containerUser is the process's user as containerd's oci.WithUser takes it. runAsUser and
// runAsGroup replace the image's user and group; a group without a user runs as root in it.
func containerUser(sc v1.SecurityContext, imageUser string) string {
	u, g, _ := strings.Cut(imageUser, ":")
	if sc.RunAsUser != nil {
		u, g = strconv.FormatInt(*sc.RunAsUser, 10), ""
	}
	if sc.RunAsGroup != nil {
		g = strconv.FormatInt(*sc.RunAsGroup, 10)
	}
	switch {
	case u == "" && g == "":
		return ""
	case u == "":
		u = "0"
	}
	if g == "" {
		return u
	}
	return u + ":" + g
}

// capNames are capabilities as the OCI spec names them: "NET_RAW" becomes "CAP_NET_RAW"; "ALL"
// stays.
func capNames(caps []v1.Capability) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		name := strings.ToUpper(string(c))
		if name != "ALL" {
			name = "CAP_" + name
		}
		out = append(out, name)
	}
	return out
}

// verifyRunAsNonRoot is kubelet's check: with runAsNonRoot, the container must run as a non-zero
// UID, from runAsUser or else from the image's USER, which must then be numeric (a name cannot be
// checked before the container runs). An image without USER runs as root.
func verifyRunAsNonRoot(pod *v1.Pod, c *v1.Container, sc v1.SecurityContext, imageUser string) error {
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		return nil
	}
	who := fmt.Sprintf("(pod: %q, container: %s)", fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID), c.Name)
	if sc.RunAsUser != nil {
		if *sc.RunAsUser == 0 {
			return fmt.Errorf("container's runAsUser breaks non-root policy %s", who)
		}
		return nil
	}
	user, _, _ := strings.Cut(imageUser, ":")
	if user == "" {
		return fmt.Errorf("container has runAsNonRoot and image will run as root %s", who)
	}
	uid, err := strconv.ParseInt(user, 10, 64)
	switch {
	case err != nil:
		return fmt.Errorf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root %s", user, who)
	case uid == 0:
		return fmt.Errorf("container has runAsNonRoot and image will run as root %s", who)
	}
	return nil
}

// seccompProfilePath is where a Localhost profile lives: under the seccomp root (kubelet's
// ROOT/seccomp). Validation already refused absolute names and "..".
func seccompProfilePath(root, name string) string {
	return filepath.Join(root, filepath.Clean("/"+name))
}
