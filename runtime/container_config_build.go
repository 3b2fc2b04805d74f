package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/cgroups"
	"github.com/minikubelet/minikubelet/expansion"
	"github.com/minikubelet/minikubelet/logs"
)

// containerInputs is what buildContainerConfig turns into a ContainerConfig.
type containerInputs struct {
	pod      *v1.Pod
	c        *v1.Container
	kind     ContainerKind
	attempt  int
	sandbox  *SandboxStatus
	image    ImageInfo
	mounts   []Mount // the sandbox's files and the container's volume mounts
	logPath  string
	nodeName string
	hostIPs  []string
	// cgroupParent is the pod's cgroup ("" without pod cgroups).
	cgroupParent string
	// memoryCapacity is the node's memory in bytes (0: unknown), for the OOM score.
	memoryCapacity int64
}

// buildContainerConfig is pure: everything about the container is decided here, from the pod spec
// and the image, before any call to the runtime.
func buildContainerConfig(in containerInputs) (ContainerConfig, error) {
	pod, c := in.pod, in.c
	env, err := containerEnv(in)
	if err != nil {
		return ContainerConfig{}, err
	}
	// $(VAR) expands in the pod's command and args only, never in the image's Entrypoint or Cmd.
	lookup := envLookup(env)
	expanded := *c
	expanded.Command = expandAll(c.Command, lookup)
	expanded.Args = expandAll(c.Args, lookup)
	args := containerArgs(&expanded, in.image)
	wd := c.WorkingDir
	if wd == "" {
		wd = in.image.WorkingDir
	}
	user, security, err := buildSecurity(pod, c, in.image)
	if err != nil {
		return ContainerConfig{}, err
	}
	cfg := ContainerConfig{
		Pod:                   PodRef{UID: pod.UID, Name: pod.Name, Namespace: pod.Namespace},
		Name:                  c.Name,
		Kind:                  in.kind,
		Attempt:               in.attempt,
		Hash:                  containerHash(c),
		GracePeriod:           podGracePeriod(pod),
		SandboxID:             in.sandbox.ID,
		SandboxPid:            in.sandbox.Pid,
		HostNetwork:           pod.Spec.HostNetwork,
		HostIPC:               pod.Spec.HostIPC,
		HostPID:               pod.Spec.HostPID,
		ShareProcessNamespace: pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace,
		Image:                 in.image,
		Args:                  args,
		Env:                   mergeEnv(in.image.Env, env),
		WorkingDir:            wd,
		User:                  user,
		StopSignal:            in.image.StopSignal,
		Mounts:                in.mounts,
		LogPath:               in.logPath,
		CgroupParent:          in.cgroupParent,
		Resources:             cgroups.ContainerResources(c.Resources),
		Security:              security,
		OOMScoreAdj:           oomScoreAdj(qosClass(pod), c, in.memoryCapacity),
	}
	return cfg, nil
}

// containerArgs merges command and args with the image's Entrypoint and Cmd as Kubernetes does:
// command replaces Entrypoint (and drops Cmd); args replace Cmd.
func containerArgs(c *v1.Container, img ImageInfo) []string {
	switch {
	case len(c.Command) > 0:
		return append(append([]string{}, c.Command...), c.Args...)
	case len(c.Args) > 0:
		return append(append([]string{}, img.Entrypoint...), c.Args...)
	default:
		return append(append([]string{}, img.Entrypoint...), img.Cmd...)
	}
}

// containerEnv resolves the container's env in order: each value may refer to the variables
// defined before it with $(VAR); valueFrom fieldRef reads the pod.
func containerEnv(in containerInputs) ([]string, error) {
	var out []string
	defined := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := defined[k]; return v, ok }
	for i, e := range in.c.Env {
		var val string
		switch {
		case e.ValueFrom == nil:
			val = expansion.Expand(e.Value, lookup)
		case e.ValueFrom.FieldRef != nil:
			v, err := podFieldValue(in, e.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("env[%d] (%s): %w", i, e.Name, err)
			}
			val = v
		default:
			return nil, fmt.Errorf("env[%d] (%s): only fieldRef is supported in valueFrom", i, e.Name)
		}
		defined[e.Name] = val
		out = append(out, e.Name+"="+val)
	}
	return mergeEnv(out), nil
}

func expandAll(list []string, lookup func(string) (string, bool)) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = expansion.Expand(s, lookup)
	}
	return out
}

// mergeEnv puts the pod's env over the image's: one entry per name, the later value winning, in
// the order names first appear (a process reading its env takes the first copy of a name).
func mergeEnv(lists ...[]string) []string {
	index := map[string]int{}
	var out []string
	for _, list := range lists {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := index[k]; ok {
				out[i] = kv
				continue
			}
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

func envLookup(env []string) func(string) (string, bool) {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// podFieldValue is the downward API for env: the fields kubelet resolves on the node.
func podFieldValue(in containerInputs, path string) (string, error) {
	pod := in.pod
	if key, ok := fieldKey(path, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := fieldKey(path, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return in.nodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		if len(in.sandbox.IPs) > 0 {
			return in.sandbox.IPs[0], nil
		}
		return "", nil
	case "status.podIPs":
		return strings.Join(in.sandbox.IPs, ","), nil
	case "status.hostIP":
		if len(in.hostIPs) > 0 {
			return in.hostIPs[0], nil
		}
		return "", nil
	case "status.hostIPs":
		return strings.Join(in.hostIPs, ","), nil
	}
	return "", fmt.Errorf("fieldRef %q is not supported", path)
}

// fieldKey parses "metadata.labels['key']".
func fieldKey(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// containerHash identifies a container's spec; it is stored with each instance.
func containerHash(c *v1.Container) string {
	data, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func podGracePeriod(pod *v1.Pod) int64 {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return *g
	}
	return v1.DefaultTerminationGracePeriodSeconds
}

// containerMounts puts the sandbox's files under the container's volume mounts, leaving out a file
// the container mounts a volume over (as kubelet does for /etc/hosts).
func containerMounts(sandboxFiles, volumes []Mount) []Mount {
	covered := map[string]bool{}
	for _, m := range volumes {
		covered[filepath.Clean(m.ContainerPath)] = true
	}
	var out []Mount
	for _, m := range sandboxFiles {
		if !covered[m.ContainerPath] {
			out = append(out, m)
		}
	}
	return append(out, volumes...)
}

// logPath is kubelet's layout: DIR/NAMESPACE_NAME_UID/CONTAINER/ATTEMPT.log.
func logPath(dir string, pod *v1.Pod, container string, attempt int) string {
	return logs.ContainerPath(dir, pod.Namespace, pod.Name, string(pod.UID), container, attempt)
}
