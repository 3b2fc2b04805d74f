package cli

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// describeContainers writes a "Containers:" or "Init Containers:" section:
// each container's spec, joined with its status by name (kubectl
// describeContainers).
func describeContainers(w *describeWriter, label string, pod *v1.Pod, containers []v1.Container, statuses []v1.ContainerStatus) {
	byName := map[string]v1.ContainerStatus{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	if len(containers) == 0 {
		w.line(level0, "%s: <none>\n", label)
	} else {
		w.line(level0, "%s:\n", label)
	}
	for i := range containers {
		c := &containers[i]
		status, ok := byName[c.Name]
		w.line(level1, "%s:\n", c.Name)
		if ok {
			w.line(level2, "Container ID:\t%s\n", status.ContainerID)
		}
		w.line(level2, "Image:\t%s\n", c.Image)
		if ok {
			w.line(level2, "Image ID:\t%s\n", status.ImageID)
		}
		describePorts(w, c.Ports)
		if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			describeSeccomp(w, level2, sc.SeccompProfile)
		}
		describeLines(w, "Command", c.Command)
		describeLines(w, "Args", c.Args)
		if ok {
			describeState(w, "State", status.State)
			if status.LastTerminationState.Terminated != nil {
				describeState(w, "Last State", status.LastTerminationState)
			}
			w.line(level2, "Ready:\t%s\n", printBool(status.Ready))
			w.line(level2, "Restart Count:\t%d\n", status.RestartCount)
		}
		describeResources(w, level2, &c.Resources)
		describeProbe(w, "Liveness", c.LivenessProbe)
		describeProbe(w, "Readiness", c.ReadinessProbe)
		describeProbe(w, "Startup", c.StartupProbe)
		describeEnvFrom(w, c.EnvFrom)
		describeEnv(w, pod, c)
		describeMounts(w, c)
	}
}

// describePorts writes "Port:" and "Host Port:" (plural for several), as
// 8080/TCP (name); a port without a host port shows host port 0, as in kubectl.
func describePorts(w *describeWriter, ports []v1.ContainerPort) {
	var container, host []string
	for _, p := range ports {
		c := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
		h := fmt.Sprintf("%d/%s", p.HostPort, p.Protocol)
		if p.Name != "" {
			c += " (" + p.Name + ")"
			h += " (" + p.Name + ")"
		}
		container = append(container, c)
		host = append(host, h)
	}
	if len(ports) > 1 {
		w.line(level2, "Ports:\t%s\n", strings.Join(container, ", "))
		w.line(level2, "Host Ports:\t%s\n", strings.Join(host, ", "))
		return
	}
	w.line(level2, "Port:\t%s\n", orNone(strings.Join(container, "")))
	w.line(level2, "Host Port:\t%s\n", orNone(strings.Join(host, "")))
}

// describeLines writes a command or its arguments, one line per element.
func describeLines(w *describeWriter, title string, items []string) {
	if len(items) == 0 {
		return
	}
	w.line(level2, "%s:\n", title)
	for _, item := range items {
		for _, s := range strings.Split(item, "\n") {
			w.line(level3, "%s\n", s)
		}
	}
}

// describeState writes a container state: Running with its start, Waiting
// with its reason, or Terminated with reason, message, exit code and times.
func describeState(w *describeWriter, title string, s v1.ContainerState) {
	switch {
	case s.Running != nil:
		w.line(level2, "%s:\tRunning\n", title)
		w.line(level3, "Started:\t%s\n", s.Running.StartedAt.Format(time.RFC1123Z))
	case s.Waiting != nil:
		w.line(level2, "%s:\tWaiting\n", title)
		if s.Waiting.Reason != "" {
			w.line(level3, "Reason:\t%s\n", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		t := s.Terminated
		w.line(level2, "%s:\tTerminated\n", title)
		if t.Reason != "" {
			w.line(level3, "Reason:\t%s\n", t.Reason)
		}
		if t.Message != "" {
			w.line(level3, "Message:\t%s\n", t.Message)
		}
		w.line(level3, "Exit Code:\t%d\n", t.ExitCode)
		if t.Signal > 0 {
			w.line(level3, "Signal:\t%d\n", t.Signal)
		}
		w.line(level3, "Started:\t%s\n", t.StartedAt.Format(time.RFC1123Z))
		w.line(level3, "Finished:\t%s\n", t.FinishedAt.Format(time.RFC1123Z))
	default:
		w.line(level2, "%s:\tWaiting\n", title)
	}
}

// describeResources writes limits and requests, sorted by resource name.
func describeResources(w *describeWriter, level int, r *v1.ResourceRequirements) {
	for _, list := range []struct {
		title string
		rl    v1.ResourceList
	}{{"Limits", r.Limits}, {"Requests", r.Requests}} {
		if len(list.rl) == 0 {
			continue
		}
		w.line(level, "%s:\n", list.title)
		names := make([]string, 0, len(list.rl))
		for name := range list.rl {
			names = append(names, string(name))
		}
		slices.Sort(names)
		for _, name := range names {
			q := list.rl[v1.ResourceName(name)]
			w.line(level+1, "%s:\t%s\n", name, q.String())
		}
	}
}

// describeProbe writes a probe as kubectl's one-line summary.
func describeProbe(w *describeWriter, title string, p *v1.Probe) {
	if p == nil {
		return
	}
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold)
	var s string
	switch {
	case p.Exec != nil:
		s = fmt.Sprintf("exec %v %s", p.Exec.Command, attrs)
	case p.HTTPGet != nil:
		u := url.URL{Scheme: strings.ToLower(string(p.HTTPGet.Scheme)), Host: p.HTTPGet.Host, Path: p.HTTPGet.Path}
		if port := p.HTTPGet.Port.String(); port != "" {
			u.Host = net.JoinHostPort(p.HTTPGet.Host, port)
		}
		s = fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case p.TCPSocket != nil:
		s = fmt.Sprintf("tcp-socket %s:%s %s", p.TCPSocket.Host, p.TCPSocket.Port.String(), attrs)
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		s = fmt.Sprintf("grpc <pod>:%d %s %s", p.GRPC.Port, service, attrs)
	default:
		s = "unknown " + attrs
	}
	w.line(level2, "%s:\t%s\n", title, s)
}

// describeEnvFrom writes the config maps and secrets a container takes its
// environment from.
func describeEnvFrom(w *describeWriter, from []v1.EnvFromSource) {
	if len(from) == 0 {
		return
	}
	w.line(level2, "Environment Variables from:\n")
	for _, e := range from {
		var kind, name string
		optional := false
		switch {
		case e.ConfigMapRef != nil:
			kind, name = "ConfigMap", e.ConfigMapRef.Name
			optional = e.ConfigMapRef.Optional != nil && *e.ConfigMapRef.Optional
		case e.SecretRef != nil:
			kind, name = "Secret", e.SecretRef.Name
			optional = e.SecretRef.Optional != nil && *e.SecretRef.Optional
		}
		if e.Prefix == "" {
			w.line(level3, "%s\t%s\tOptional: %t\n", name, kind, optional)
		} else {
			w.line(level3, "%s\t%s with prefix '%s'\tOptional: %t\n", name, kind, e.Prefix, optional)
		}
	}
}

// describeEnv writes a container's environment: values, references to pod
// fields and resources (resolved where kubectl resolves them), to secrets and
// config maps.
func describeEnv(w *describeWriter, pod *v1.Pod, c *v1.Container) {
	if len(c.Env) == 0 {
		w.line(level2, "Environment:\t<none>\n")
		return
	}
	w.line(level2, "Environment:\n")
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			for i, s := range strings.Split(e.Value, "\n") {
				if i == 0 {
					w.line(level3, "%s:\t%s\n", e.Name, s)
				} else {
					w.line(level3, "\t%s\n", s)
				}
			}
			continue
		}
		switch from := e.ValueFrom; {
		case from.FieldRef != nil:
			w.line(level3, "%s:\t%s (%s:%s)\n", e.Name, podFieldValue(pod, from.FieldRef.FieldPath),
				from.FieldRef.APIVersion, from.FieldRef.FieldPath)
		case from.ResourceFieldRef != nil:
			value := containerResourceValue(c, from.ResourceFieldRef)
			if res := from.ResourceFieldRef.Resource; value == "0" && (res == "limits.cpu" || res == "limits.memory") {
				value = "node allocatable"
			}
			w.line(level3, "%s:\t%s (%s)\n", e.Name, value, from.ResourceFieldRef.Resource)
		case from.SecretKeyRef != nil:
			ref := from.SecretKeyRef
			w.line(level3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %t\n",
				e.Name, ref.Key, ref.Name, ref.Optional != nil && *ref.Optional)
		case from.ConfigMapKeyRef != nil:
			ref := from.ConfigMapKeyRef
			w.line(level3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %t\n",
				e.Name, ref.Key, ref.Name, ref.Optional != nil && *ref.Optional)
		}
	}
}

// podFieldValue resolves a fieldRef the way kubectl describe does: it can
// convert only metadata.name and metadata.namespace, and shows the others
// empty (the container sees their values; kubectl does not compute them).
func podFieldValue(pod *v1.Pod, path string) string {
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	}
	return ""
}

// containerResourceValue is the value a resourceFieldRef gives the container:
// the limit or request divided by the divisor (default 1), rounded up.
func containerResourceValue(c *v1.Container, ref *v1.ResourceFieldSelector) string {
	divisor := resource.MustParse("1")
	if !ref.Divisor.IsZero() {
		divisor = ref.Divisor
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return ""
	}
	var list v1.ResourceList
	switch kind {
	case "limits":
		list = c.Resources.Limits
	case "requests":
		list = c.Resources.Requests
	default:
		return ""
	}
	q := list[v1.ResourceName(name)]
	switch v1.ResourceName(name) {
	case v1.ResourceCPU:
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10)
	case v1.ResourceMemory, v1.ResourceEphemeralStorage:
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10)
	}
	return ""
}

// describeMounts writes the volume mounts sorted by path, with ro/rw and the
// subPath, then the volume devices.
func describeMounts(w *describeWriter, c *v1.Container) {
	if len(c.VolumeMounts) == 0 {
		w.line(level2, "Mounts:\t<none>\n")
	} else {
		w.line(level2, "Mounts:\n")
	}
	mounts := slices.Clone(c.VolumeMounts)
	slices.SortStableFunc(mounts, func(a, b v1.VolumeMount) int { return strings.Compare(a.MountPath, b.MountPath) })
	for _, m := range mounts {
		flags := []string{"rw"}
		if m.ReadOnly {
			flags[0] = "ro"
		}
		if m.SubPath != "" {
			flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
		}
		w.line(level3, "%s from %s (%s)\n", m.MountPath, m.Name, strings.Join(flags, ","))
	}
	if len(c.VolumeDevices) > 0 {
		w.line(level2, "Devices:\n")
		devices := slices.Clone(c.VolumeDevices)
		slices.SortStableFunc(devices, func(a, b v1.VolumeDevice) int { return strings.Compare(a.DevicePath, b.DevicePath) })
		for _, d := range devices {
			w.line(level3, "%s from %s\n", d.DevicePath, d.Name)
		}
	}
}
