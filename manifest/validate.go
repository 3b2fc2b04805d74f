package manifest

import (
	"reflect"
	"strings"

	v1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// notSupportedYet is the detail of the error for API features minikubelet does not run.
const notSupportedYet = "not supported by minikubelet yet"

// Validate checks a defaulted pod as the API server would on create, for everything a node
// can check by itself, and refuses the features minikubelet does not run yet. Each error
// carries the exact field path ("spec.containers[1].ports[0].containerPort"). Call it after
// SetDefaults: a missing default is reported as a missing value.
func Validate(pod *v1.Pod) field.ErrorList {
	errs := apivalidation.ValidateObjectMeta(&pod.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validatePodSpec(&pod.Spec, field.NewPath("spec"))...)
}

func validatePodSpec(spec *v1.PodSpec, path *field.Path) field.ErrorList {
	volumes, errs := validateVolumes(spec.Volumes, path.Child("volumes"))
	errs = append(errs, validateContainers(spec, volumes, path)...)
	errs = append(errs, validatePodSecurity(spec, path.Child("securityContext"))...)

	switch spec.RestartPolicy {
	case v1.RestartPolicyAlways, v1.RestartPolicyOnFailure, v1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(path.Child("restartPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(path.Child("restartPolicy"), spec.RestartPolicy,
			[]v1.RestartPolicy{v1.RestartPolicyAlways, v1.RestartPolicyOnFailure, v1.RestartPolicyNever}))
	}
	errs = append(errs, validateDNS(spec, path)...)
	if spec.Hostname != "" {
		errs = append(errs, dns1123Label(path.Child("hostname"), spec.Hostname)...)
	}
	if spec.Subdomain != "" {
		errs = append(errs, dns1123Label(path.Child("subdomain"), spec.Subdomain)...)
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil {
		errs = append(errs, field.Required(path.Child("terminationGracePeriodSeconds"), ""))
	} else if *g < 0 {
		errs = append(errs, field.Invalid(path.Child("terminationGracePeriodSeconds"), *g, "must be greater than or equal to 0"))
	}
	if d := spec.ActiveDeadlineSeconds; d != nil && *d < 1 {
		errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), *d, "must be greater than 0"))
	}
	if spec.ServiceAccountName != "" {
		for _, msg := range apivalidation.NameIsDNSSubdomain(spec.ServiceAccountName, false) {
			errs = append(errs, field.Invalid(path.Child("serviceAccountName"), spec.ServiceAccountName, msg))
		}
	}
	errs = append(errs, metav1validation.ValidateLabels(spec.NodeSelector, path.Child("nodeSelector"))...)
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace && spec.HostPID {
		errs = append(errs, field.Invalid(path.Child("shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	for i, a := range spec.HostAliases {
		errs = append(errs, validation.IsValidIP(path.Child("hostAliases").Index(i).Child("ip"), a.IP)...)
		for j, h := range a.Hostnames {
			for _, msg := range validation.IsDNS1123Subdomain(h) {
				errs = append(errs, field.Invalid(path.Child("hostAliases").Index(i).Child("hostnames").Index(j), h, msg))
			}
		}
	}
	return errs
}

// validateContainers checks init, main and ephemeral containers together: names are unique
// across all of them, and host ports across the main containers (the ones kubelet publishes).
func validateContainers(spec *v1.PodSpec, volumes map[string]*v1.Volume, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		cpath := path.Child("initContainers").Index(i)
		errs = append(errs, validateContainer(c, cpath, volumes, names, spec.HostNetwork)...)
		errs = append(errs, validateInitOnly(c, cpath)...)
	}
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), "a pod needs at least one container"))
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		cpath := path.Child("containers").Index(i)
		errs = append(errs, validateContainer(c, cpath, volumes, names, spec.HostNetwork)...)
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(cpath.Child("restartPolicy"), "may not be set for non-init containers"))
		}
		if len(c.RestartPolicyRules) > 0 {
			errs = append(errs, field.Forbidden(cpath.Child("restartPolicyRules"), notSupportedYet))
		}
	}
	if len(spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(path.Child("ephemeralContainers"), "cannot be set in a pod manifest"))
	}
	errs = append(errs, hostPortConflicts(spec.Containers, path.Child("containers"))...)
	return errs
}

// validateInitOnly checks what differs for init containers: restartPolicy may only be Always
// (a sidecar); probes and lifecycle hooks are only for sidecars.
func validateInitOnly(c *v1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.RestartPolicy != nil && *c.RestartPolicy != v1.ContainerRestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("restartPolicy"), *c.RestartPolicy,
			[]v1.ContainerRestartPolicy{v1.ContainerRestartPolicyAlways}))
	}
	if len(c.RestartPolicyRules) > 0 {
		errs = append(errs, field.Forbidden(path.Child("restartPolicyRules"), notSupportedYet))
	}
	if isSidecar(c) {
		return errs
	}
	const detail = "may not be set for init containers without restartPolicy=Always"
	if c.Lifecycle != nil {
		errs = append(errs, field.Forbidden(path.Child("lifecycle"), detail))
	}
	if c.LivenessProbe != nil {
		errs = append(errs, field.Forbidden(path.Child("livenessProbe"), detail))
	}
	if c.ReadinessProbe != nil {
		errs = append(errs, field.Forbidden(path.Child("readinessProbe"), detail))
	}
	if c.StartupProbe != nil {
		errs = append(errs, field.Forbidden(path.Child("startupProbe"), detail))
	}
	return errs
}

func isSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
}

func validateDNS(spec *v1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.DNSPolicy {
	case v1.DNSClusterFirst, v1.DNSClusterFirstWithHostNet, v1.DNSDefault, v1.DNSNone:
	case "":
		errs = append(errs, field.Required(path.Child("dnsPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(path.Child("dnsPolicy"), spec.DNSPolicy,
			[]v1.DNSPolicy{v1.DNSClusterFirstWithHostNet, v1.DNSClusterFirst, v1.DNSDefault, v1.DNSNone}))
	}
	cfgPath := path.Child("dnsConfig")
	cfg := spec.DNSConfig
	if spec.DNSPolicy == v1.DNSNone && (cfg == nil || len(cfg.Nameservers) == 0) {
		errs = append(errs, field.Required(cfgPath.Child("nameservers"), "must provide at least one DNS nameserver when dnsPolicy is None"))
	}
	if cfg == nil {
		return errs
	}
	const maxNameservers, maxSearches, maxSearchChars = 3, 32, 2048
	if len(cfg.Nameservers) > maxNameservers {
		errs = append(errs, field.TooMany(cfgPath.Child("nameservers"), len(cfg.Nameservers), maxNameservers))
	}
	for i, ns := range cfg.Nameservers {
		errs = append(errs, validation.IsValidIP(cfgPath.Child("nameservers").Index(i), ns)...)
	}
	if len(cfg.Searches) > maxSearches {
		errs = append(errs, field.TooMany(cfgPath.Child("searches"), len(cfg.Searches), maxSearches))
	}
	if n := len(strings.Join(cfg.Searches, " ")); n > maxSearchChars {
		errs = append(errs, field.Invalid(cfgPath.Child("searches"), cfg.Searches, "must not have more than 2048 characters (including spaces) in the search list"))
	}
	for i, s := range cfg.Searches {
		if s == "." {
			continue // the root domain is allowed
		}
		for _, msg := range validation.IsDNS1123Subdomain(strings.TrimSuffix(s, ".")) {
			errs = append(errs, field.Invalid(cfgPath.Child("searches").Index(i), s, msg))
		}
	}
	for i, o := range cfg.Options {
		if o.Name == "" {
			errs = append(errs, field.Required(cfgPath.Child("options").Index(i).Child("name"), ""))
		}
	}
	return errs
}

func dns1123Label(path *field.Path, value string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

// setFields returns the JSON names of the non-nil pointer fields of a struct of optional
// members (a VolumeSource, an EnvVarSource, a probe handler), in declaration order. It is
// what "exactly one of" rules count, and stays right when the API adds a member.
func setFields(structPtr any) []string {
	v := reflect.ValueOf(structPtr).Elem()
	var names []string
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}
