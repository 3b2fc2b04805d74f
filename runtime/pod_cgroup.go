package runtime

import (
	"encoding/json"
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// PodCgroups makes and removes pod cgroups; the cgroups package implements it.
type PodCgroups interface {
	// EnsurePod creates the pod's cgroup under its QoS parent with the pod-level limits and
	// returns its path, under which the pod's containers go.
	EnsurePod(pod *v1.Pod, qos v1.PodQOSClass) (string, error)
	// RemovePod removes the cgroup of a pod the agent ran, ending what is left in it; not found
	// is success.
	RemovePod(uid types.UID) error
	// RemoveUnclaimed removes a pod cgroup no pod of the agent claims, if it is empty.
	RemoveUnclaimed(uid types.UID) error
	// Pods lists the UIDs of the pod cgroups there are, for sweeping orphans.
	Pods() ([]types.UID, error)
}

// noCgroups leaves containers where the runtime puts them by default.
type noCgroups struct{}

func (noCgroups) EnsurePod(*v1.Pod, v1.PodQOSClass) (string, error) { return "", nil }
func (noCgroups) RemovePod(types.UID) error                         { return nil }
func (noCgroups) RemoveUnclaimed(types.UID) error                   { return nil }
func (noCgroups) Pods() ([]types.UID, error)                        { return nil, nil }

// ensureCgroup makes the pod's cgroup ready before anything of the pod is created in it.
func (w *podWorker) ensureCgroup(pod *v1.Pod) (string, error) {
	parent, err := w.m.cfg.Cgroups.EnsurePod(pod, qosClass(pod))
	if err != nil {
		return "", fmt.Errorf("pod cgroup: %w", err)
	}
	return parent, nil
}

// loadSeccompProfile reads a Localhost seccomp profile from the node. A missing, empty or
// malformed profile is an error: never a silent fall back to no filter (CVE-2023-2431 ran such
// containers unconfined).
func loadSeccompProfile(root string, sec *SecurityConfig) error {
	if sec.Seccomp != SeccompLocalhost {
		return nil
	}
	if root == "" {
		return fmt.Errorf("seccomp profile %q: no seccomp profile root configured", sec.SeccompProfileName)
	}
	path := seccompProfilePath(root, sec.SeccompProfileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("seccomp profile %q: %w", sec.SeccompProfileName, err)
	}
	var profile struct {
		DefaultAction string `json:"defaultAction"`
	}
	if err := json.Unmarshal(data, &profile); err != nil {
		return fmt.Errorf("seccomp profile %q (%s): not a seccomp profile: %w", sec.SeccompProfileName, path, err)
	}
	if profile.DefaultAction == "" {
		return fmt.Errorf("seccomp profile %q (%s) is empty: it has no defaultAction", sec.SeccompProfileName, path)
	}
	sec.SeccompProfilePath, sec.SeccompProfileJSON = path, data
	return nil
}
