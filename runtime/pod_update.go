package runtime

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/minikubelet/minikubelet/manifest"
)

// inPlaceUpdate tells whether a pod running oldPod can take newPod (an edit of the same manifest)
// without being recreated, and which of its main containers must restart for it. That is so when
// the edit touches only fields of existing main containers that a container restart applies
// (image, command, args, env, probes, resources, lifecycle) or the pod's labels and annotations;
// anything else (volumes, ports, hostNetwork, init containers, the container list...) needs a new
// pod. Kubelet recreates a static pod on any edit (k8s#52939).
func inPlaceUpdate(oldPod, newPod *v1.Pod) (restart []string, ok bool) {
	if oldPod == nil || newPod == nil || oldPod.Namespace != newPod.Namespace || oldPod.Name != newPod.Name ||
		oldPod.Annotations[manifest.AnnotationSourceFile] != newPod.Annotations[manifest.AnnotationSourceFile] ||
		len(oldPod.Spec.Containers) != len(newPod.Spec.Containers) {
		return nil, false
	}
	// The pod's cgroup lives under its QoS class's parent, with the pause container in it; as in
	// Kubernetes, where a resize may not change the QoS class, such an edit recreates the pod.
	if qosClass(oldPod) != qosClass(newPod) {
		return nil, false
	}
	oldSpec, newSpec := oldPod.Spec.DeepCopy(), newPod.Spec.DeepCopy()
	for i := range oldSpec.Containers {
		o, n := &oldSpec.Containers[i], &newSpec.Containers[i]
		if o.Name != n.Name {
			return nil, false
		}
		if !equality.Semantic.DeepEqual(o, n) {
			restart = append(restart, n.Name)
		}
		clearRestartable(o)
		clearRestartable(n)
	}
	if !equality.Semantic.DeepEqual(oldSpec, newSpec) {
		return nil, false
	}
	return restart, true
}

// clearRestartable blanks the container fields a restart of the container applies.
func clearRestartable(c *v1.Container) {
	c.Image, c.ImagePullPolicy = "", ""
	c.Command, c.Args = nil, nil
	c.Env, c.EnvFrom = nil, nil
	c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = nil, nil, nil
	c.Resources, c.ResizePolicy = v1.ResourceRequirements{}, nil
	c.Lifecycle = nil
}
