package manifest

import (
	"slices"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateProbes checks the liveness, readiness and startup probes of a container.
func validateProbes(c *v1.Container, cpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateProbe(c.LivenessProbe, c, cpath.Child("livenessProbe"), true)...)
	errs = append(errs, validateProbe(c.ReadinessProbe, c, cpath.Child("readinessProbe"), false)...)
	errs = append(errs, validateProbe(c.StartupProbe, c, cpath.Child("startupProbe"), true)...)
	if p := c.ReadinessProbe; p != nil && p.TerminationGracePeriodSeconds != nil {
		errs = append(errs, field.Invalid(cpath.Child("readinessProbe", "terminationGracePeriodSeconds"),
			*p.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return errs
}

// validateProbe checks one probe: exactly one handler, and the timings and thresholds once
// defaulted. Liveness and startup probes (singleSuccess) need successThreshold 1.
func validateProbe(p *v1.Probe, c *v1.Container, ppath *field.Path, singleSuccess bool) field.ErrorList {
	if p == nil {
		return nil
	}
	errs := validateHandler(&p.ProbeHandler, c, ppath)
	if p.InitialDelaySeconds < 0 {
		errs = append(errs, field.Invalid(ppath.Child("initialDelaySeconds"), p.InitialDelaySeconds, "must be greater than or equal to 0"))
	}
	for _, n := range []struct {
		name  string
		value int32
	}{
		{"timeoutSeconds", p.TimeoutSeconds},
		{"periodSeconds", p.PeriodSeconds},
		{"successThreshold", p.SuccessThreshold},
		{"failureThreshold", p.FailureThreshold},
	} {
		if n.value < 1 {
			errs = append(errs, field.Invalid(ppath.Child(n.name), n.value, "must be greater than or equal to 1"))
		}
	}
	if singleSuccess && p.SuccessThreshold > 1 {
		errs = append(errs, field.Invalid(ppath.Child("successThreshold"), p.SuccessThreshold, "must be 1"))
	}
	if g := p.TerminationGracePeriodSeconds; g != nil && *g < 1 {
		errs = append(errs, field.Invalid(ppath.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

// validateHandler checks a probe's handler: exactly one of exec, httpGet, tcpSocket, grpc.
func validateHandler(h *v1.ProbeHandler, c *v1.Container, hpath *field.Path) field.ErrorList {
	set := setFields(h)
	switch len(set) {
	case 0:
		return field.ErrorList{field.Required(hpath, "must specify a handler type")}
	case 1:
	default:
		return field.ErrorList{field.Forbidden(hpath.Child(set[1]), "may not specify more than 1 handler type")}
	}
	switch {
	case h.Exec != nil:
		return validateExec(h.Exec, hpath.Child("exec"))
	case h.HTTPGet != nil:
		return validateHTTPGet(h.HTTPGet, c, hpath.Child("httpGet"))
	case h.TCPSocket != nil:
		return validatePortRef(h.TCPSocket.Port, c, hpath.Child("tcpSocket", "port"))
	case h.GRPC != nil:
		var errs field.ErrorList
		for _, msg := range validation.IsValidPortNum(int(h.GRPC.Port)) {
			errs = append(errs, field.Invalid(hpath.Child("grpc", "port"), h.GRPC.Port, msg))
		}
		return errs
	}
	return nil
}

// validateLifecycle checks postStart and preStop: exactly one of exec, httpGet, sleep.
// tcpSocket hooks pass the API server but kubelet never runs them, so they are refused here.
func validateLifecycle(c *v1.Container, cpath *field.Path) field.ErrorList {
	if c.Lifecycle == nil {
		return nil
	}
	var errs field.ErrorList
	lpath := cpath.Child("lifecycle")
	for _, hook := range []struct {
		name    string
		handler *v1.LifecycleHandler
	}{{"postStart", c.Lifecycle.PostStart}, {"preStop", c.Lifecycle.PreStop}} {
		h, hpath := hook.handler, lpath.Child(hook.name)
		if h == nil {
			continue
		}
		set := setFields(h)
		switch len(set) {
		case 0:
			errs = append(errs, field.Required(hpath, "must specify a handler type"))
			continue
		case 1:
		default:
			errs = append(errs, field.Forbidden(hpath.Child(set[1]), "may not specify more than 1 handler type"))
			continue
		}
		switch {
		case h.Exec != nil:
			errs = append(errs, validateExec(h.Exec, hpath.Child("exec"))...)
		case h.HTTPGet != nil:
			errs = append(errs, validateHTTPGet(h.HTTPGet, c, hpath.Child("httpGet"))...)
		case h.Sleep != nil:
			if h.Sleep.Seconds < 0 {
				errs = append(errs, field.Invalid(hpath.Child("sleep", "seconds"), h.Sleep.Seconds, "must be greater than or equal to 0"))
			}
		case h.TCPSocket != nil:
			errs = append(errs, field.Forbidden(hpath.Child("tcpSocket"), "tcpSocket hooks are not run by kubelet and not supported by minikubelet"))
		}
	}
	if c.Lifecycle.StopSignal != nil {
		errs = append(errs, field.Forbidden(lpath.Child("stopSignal"), notSupportedYet))
	}
	return errs
}

func validateExec(e *v1.ExecAction, epath *field.Path) field.ErrorList {
	if len(e.Command) == 0 {
		return field.ErrorList{field.Required(epath.Child("command"), "")}
	}
	return nil
}

func validateHTTPGet(h *v1.HTTPGetAction, c *v1.Container, hpath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(hpath.Child("path"), ""))
	}
	errs = append(errs, validatePortRef(h.Port, c, hpath.Child("port"))...)
	supported := []v1.URIScheme{v1.URISchemeHTTP, v1.URISchemeHTTPS}
	if !slices.Contains(supported, h.Scheme) {
		errs = append(errs, field.NotSupported(hpath.Child("scheme"), h.Scheme, supported))
	}
	for i, header := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(header.Name) {
			errs = append(errs, field.Invalid(hpath.Child("httpHeaders").Index(i).Child("name"), header.Name, msg))
		}
	}
	return errs
}

// validatePortRef checks a handler's port: a port number, or the name of one of the
// container's ports (the API server checks only the name's syntax; kubelet would fail to
// resolve an unknown name at every probe, so it is refused up front).
func validatePortRef(port intstr.IntOrString, c *v1.Container, ppath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.Int {
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(ppath, port.IntValue(), msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(ppath, port.StrVal, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return nil
		}
	}
	return field.ErrorList{field.Invalid(ppath, port.StrVal, "must be a port number or the name of a port of this container")}
}
