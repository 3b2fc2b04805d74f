// Package cgroups lays out pod cgroups as kubelet's cgroupfs driver does, on cgroup v1 and v2:
//
//	ROOT/kubepods/pod<UID>              Guaranteed
//	ROOT/kubepods/burstable/pod<UID>    Burstable
//	ROOT/kubepods/besteffort/pod<UID>   BestEffort
//
// with each container's cgroup (pause included) under its pod's, named by the container ID. The
// pod cgroup carries the pod-level limits kubelet sets; runc creates and removes the container
// cgroups. Paths here are cgroup paths (absolute within a hierarchy), not file system paths.
package cgroups

import (
	"path"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// kubepods is the parent of every pod cgroup, under the cgroup root.
const kubepods = "kubepods"

// QoSParent is the cgroup under which pods of a QoS class live.
func QoSParent(root string, qos v1.PodQOSClass) string {
	base := path.Join("/", root, kubepods)
	switch qos {
	case v1.PodQOSBurstable:
		return path.Join(base, "burstable")
	case v1.PodQOSBestEffort:
		return path.Join(base, "besteffort")
	default: // Guaranteed pods sit right under kubepods
		return base
	}
}

// PodPath is a pod's cgroup.
func PodPath(root string, qos v1.PodQOSClass, uid types.UID) string {
	return path.Join(QoSParent(root, qos), "pod"+string(uid))
}

// podPaths are every place a pod's cgroup can be: the QoS class comes from the spec, which may be
// gone (an orphan) or edited since.
func podPaths(root string, uid types.UID) []string {
	return []string{
		PodPath(root, v1.PodQOSGuaranteed, uid),
		PodPath(root, v1.PodQOSBurstable, uid),
		PodPath(root, v1.PodQOSBestEffort, uid),
	}
}

// ContainerPath is a container's cgroup under its pod's.
func ContainerPath(parent, containerID string) string {
	return path.Join(parent, containerID)
}
