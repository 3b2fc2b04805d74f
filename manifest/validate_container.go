package manifest

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateContainer checks one init or main container. names collects the container names seen
// so far in the pod, to refuse duplicates across init and main containers.
func validateContainer(c *v1.Container, cpath *field.Path, volumes map[string]*v1.Volume, names map[string]bool, hostNetwork bool) field.ErrorList {
	var errs field.ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, field.Required(cpath.Child("name"), ""))
	case names[c.Name]:
		errs = append(errs, field.Duplicate(cpath.Child("name"), c.Name))
	default:
		errs = append(errs, dns1123Label(cpath.Child("name"), c.Name)...)
	}
	names[c.Name] = true
	errs = append(errs, validateImage(c, cpath)...)
	switch c.TerminationMessagePolicy {
	case v1.TerminationMessageReadFile, v1.TerminationMessageFallbackToLogsOnError:
	case "":
		errs = append(errs, field.Required(cpath.Child("terminationMessagePolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(cpath.Child("terminationMessagePolicy"), c.TerminationMessagePolicy,
			[]v1.TerminationMessagePolicy{v1.TerminationMessageReadFile, v1.TerminationMessageFallbackToLogsOnError}))
	}
	errs = append(errs, validatePorts(c.Ports, cpath.Child("ports"), hostNetwork)...)
	errs = append(errs, validateEnv(c, cpath)...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, volumes, cpath.Child("volumeMounts"))...)
	if len(c.VolumeDevices) > 0 {
		errs = append(errs, field.Forbidden(cpath.Child("volumeDevices"), notSupportedYet))
	}
	errs = append(errs, validateResources(&c.Resources, cpath.Child("resources"))...)
	errs = append(errs, validateContainerSecurity(c.SecurityContext, cpath.Child("securityContext"))...)
	errs = append(errs, validateProbes(c, cpath)...)
	errs = append(errs, validateLifecycle(c, cpath)...)
	return errs
}

func validateImage(c *v1.Container, cpath *field.Path) field.ErrorList {
	p := cpath.Child("image")
	switch {
	case c.Image == "":
		return field.ErrorList{field.Required(p, "")}
	case strings.TrimSpace(c.Image) != c.Image:
		return field.ErrorList{field.Invalid(p, c.Image, "must not have leading or trailing whitespace")}
	}
	var errs field.ErrorList
	if _, err := reference.ParseAnyReference(c.Image); err != nil {
		errs = append(errs, field.Invalid(p, c.Image, err.Error()))
	}
	switch c.ImagePullPolicy {
	case v1.PullAlways, v1.PullIfNotPresent, v1.PullNever:
	case "":
		errs = append(errs, field.Required(cpath.Child("imagePullPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(cpath.Child("imagePullPolicy"), c.ImagePullPolicy,
			[]v1.PullPolicy{v1.PullAlways, v1.PullIfNotPresent, v1.PullNever}))
	}
	return errs
}

func supportedProtocols() []v1.Protocol {
	return []v1.Protocol{v1.ProtocolTCP, v1.ProtocolUDP, v1.ProtocolSCTP}
}

// validatePorts checks the ports of one container: numbers in range, known protocols, valid
// and unique names, and under hostNetwork a hostPort equal to the containerPort.
func validatePorts(ports []v1.ContainerPort, ppath *field.Path, hostNetwork bool) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, p := range ports {
		ip := ppath.Index(i)
		if p.Name != "" {
			for _, msg := range validation.IsValidPortName(p.Name) {
				errs = append(errs, field.Invalid(ip.Child("name"), p.Name, msg))
			}
			if names[p.Name] {
				errs = append(errs, field.Duplicate(ip.Child("name"), p.Name))
			}
			names[p.Name] = true
		}
		if p.ContainerPort == 0 {
			errs = append(errs, field.Required(ip.Child("containerPort"), ""))
		} else {
			for _, msg := range validation.IsValidPortNum(int(p.ContainerPort)) {
				errs = append(errs, field.Invalid(ip.Child("containerPort"), p.ContainerPort, msg))
			}
		}
		if p.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(p.HostPort)) {
				errs = append(errs, field.Invalid(ip.Child("hostPort"), p.HostPort, msg))
			}
			if hostNetwork && p.HostPort != p.ContainerPort {
				errs = append(errs, field.Invalid(ip.Child("hostPort"), p.HostPort, "must match `containerPort` when `hostNetwork` is true"))
			}
		}
		switch {
		case p.Protocol == "":
			errs = append(errs, field.Required(ip.Child("protocol"), ""))
		case !slices.Contains(supportedProtocols(), p.Protocol):
			errs = append(errs, field.NotSupported(ip.Child("protocol"), p.Protocol, supportedProtocols()))
		}
		if p.HostIP != "" {
			errs = append(errs, validation.IsValidIP(ip.Child("hostIP"), p.HostIP)...)
		}
	}
	return errs
}

// hostPortConflicts refuses two ports of the pod's containers that claim the same host port and
// protocol on the same host address; an unset or unspecified address (0.0.0.0, ::) conflicts
// with every address.
func hostPortConflicts(containers []v1.Container, cpath *field.Path) field.ErrorList {
	type claim struct {
		port     int32
		protocol v1.Protocol
		ip       string // "" for every address
	}
	var (
		errs   field.ErrorList
		claims []claim
	)
	for ci, c := range containers {
		for pi, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			cl := claim{port: p.HostPort, protocol: p.Protocol, ip: p.HostIP}
			if addr, err := netip.ParseAddr(p.HostIP); err == nil && addr.IsUnspecified() {
				cl.ip = ""
			}
			for _, other := range claims {
				if other.port == cl.port && other.protocol == cl.protocol && (other.ip == "" || cl.ip == "" || other.ip == cl.ip) {
					errs = append(errs, field.Duplicate(cpath.Index(ci).Child("ports").Index(pi).Child("hostPort"),
						net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort)))+"/"+string(p.Protocol)))
					break
				}
			}
			claims = append(claims, cl)
		}
	}
	return errs
}

// fieldRefPaths are the pod fields kubelet can expose through env valueFrom.fieldRef.
func fieldRefPaths() []string {
	return []string{
		"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['<KEY>']", "metadata.annotations['<KEY>']",
		"spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs",
	}
}

func validateEnv(c *v1.Container, cpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, env := range c.Env {
		ep := cpath.Child("env").Index(i)
		for _, msg := range validation.IsRelaxedEnvVarName(env.Name) {
			errs = append(errs, field.Invalid(ep.Child("name"), env.Name, msg))
		}
		if env.ValueFrom == nil {
			continue
		}
		vp := ep.Child("valueFrom")
		if env.Value != "" {
			errs = append(errs, field.Invalid(vp, "", "may not be specified when `value` is not empty"))
		}
		sources := setFields(env.ValueFrom)
		switch len(sources) {
		case 0:
			errs = append(errs, field.Invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
			continue
		case 1:
		default:
			errs = append(errs, field.Invalid(vp, "", "may not have more than one field specified at a time"))
			continue
		}
		if ref := env.ValueFrom.FieldRef; ref != nil {
			errs = append(errs, validateFieldRef(ref, vp.Child("fieldRef"))...)
		} else {
			errs = append(errs, field.Forbidden(vp.Child(sources[0]), notSupportedYet))
		}
	}
	for i := range c.EnvFrom {
		fp := cpath.Child("envFrom").Index(i)
		sources := setFields(&c.EnvFrom[i])
		if len(sources) == 0 {
			errs = append(errs, field.Invalid(fp, "", "must specify one of: `configMapRef` or `secretRef`"))
		}
		for _, name := range sources {
			errs = append(errs, field.Forbidden(fp.Child(name), notSupportedYet))
		}
	}
	return errs
}

func validateFieldRef(ref *v1.ObjectFieldSelector, rpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.APIVersion != "v1" {
		errs = append(errs, field.NotSupported(rpath.Child("apiVersion"), ref.APIVersion, []string{"v1"}))
	}
	fp := rpath.Child("fieldPath")
	switch {
	case ref.FieldPath == "":
		errs = append(errs, field.Required(fp, ""))
	case strings.HasPrefix(ref.FieldPath, "metadata.labels["), strings.HasPrefix(ref.FieldPath, "metadata.annotations["):
		key, ok := subscriptKey(ref.FieldPath)
		if !ok {
			errs = append(errs, field.Invalid(fp, ref.FieldPath, "must be of the form metadata.labels['KEY'] or metadata.annotations['KEY']"))
			break
		}
		for _, msg := range validation.IsQualifiedName(strings.ToLower(key)) {
			errs = append(errs, field.Invalid(fp, ref.FieldPath, msg))
		}
	case !slices.Contains(fieldRefPaths(), ref.FieldPath):
		errs = append(errs, field.NotSupported(fp, ref.FieldPath, fieldRefPaths()))
	}
	return errs
}

// subscriptKey extracts KEY from "metadata.labels['KEY']".
func subscriptKey(fieldPath string) (string, bool) {
	_, rest, ok := strings.Cut(fieldPath, "['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	key := strings.TrimSuffix(rest, "']")
	return key, key != ""
}

func validateVolumeMounts(mounts []v1.VolumeMount, volumes map[string]*v1.Volume, mpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	mountPaths := map[string]bool{}
	for i, m := range mounts {
		ip := mpath.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), ""))
		} else if _, ok := volumes[m.Name]; !ok {
			errs = append(errs, field.NotFound(ip.Child("name"), m.Name))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, field.Required(ip.Child("mountPath"), ""))
		case mountPaths[path.Clean(m.MountPath)]:
			errs = append(errs, field.Invalid(ip.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mountPaths[path.Clean(m.MountPath)] = true
		if m.SubPath != "" && m.SubPathExpr != "" {
			errs = append(errs, field.Invalid(ip.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
		if m.SubPath != "" {
			errs = append(errs, localDescendingPath(m.SubPath, ip.Child("subPath"))...)
		}
		if m.SubPathExpr != "" {
			errs = append(errs, localDescendingPath(m.SubPathExpr, ip.Child("subPathExpr"))...)
		}
		if mp := m.MountPropagation; mp != nil {
			supported := []v1.MountPropagationMode{v1.MountPropagationNone, v1.MountPropagationHostToContainer, v1.MountPropagationBidirectional}
			if !slices.Contains(supported, *mp) {
				errs = append(errs, field.NotSupported(ip.Child("mountPropagation"), *mp, supported))
			}
		}
	}
	return errs
}

// localDescendingPath refuses absolute paths and ".." elements.
func localDescendingPath(p string, fpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, field.Invalid(fpath, p, "must be a relative path"))
	}
	errs = append(errs, noBacksteps(p, fpath)...)
	return errs
}

func noBacksteps(p string, fpath *field.Path) field.ErrorList {
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return field.ErrorList{field.Invalid(fpath, p, "must not contain '..'")}
		}
	}
	return nil
}

// validateResources checks that quantities are not negative and requests do not exceed limits.
func validateResources(r *v1.ResourceRequirements, rpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, list := range []struct {
		name string
		rl   v1.ResourceList
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for _, name := range sortedKeys(list.rl) {
			if !supportedResource(name) {
				errs = append(errs, field.NotSupported(rpath.Child(list.name).Key(string(name)), name,
					[]v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory, v1.ResourceEphemeralStorage, "hugepages-<size>"}))
			}
		}
	}
	for _, name := range sortedKeys(r.Limits) {
		if q := r.Limits[name]; q.Sign() < 0 {
			errs = append(errs, field.Invalid(rpath.Child("limits").Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
	}
	for _, name := range sortedKeys(r.Requests) {
		q := r.Requests[name]
		if q.Sign() < 0 {
			errs = append(errs, field.Invalid(rpath.Child("requests").Key(string(name)), q.String(), "must be greater than or equal to 0"))
		}
		if limit, ok := r.Limits[name]; ok && q.Cmp(limit) > 0 {
			errs = append(errs, field.Invalid(rpath.Child("requests").Key(string(name)), q.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		}
	}
	if len(r.Claims) > 0 {
		errs = append(errs, field.Forbidden(rpath.Child("claims"), notSupportedYet))
	}
	return errs
}

// supportedResource tells the resources a container may ask for on this node: the standard ones.
// Extended resources (example.com/gpu) need a device plugin minikubelet does not run.
func supportedResource(name v1.ResourceName) bool {
	switch name {
	case v1.ResourceCPU, v1.ResourceMemory, v1.ResourceEphemeralStorage:
		return true
	}
	return strings.HasPrefix(string(name), v1.ResourceHugePagesPrefix)
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
