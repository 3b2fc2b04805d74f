package sandbox

import (
	"context"
	"time"

	"github.com/minikubelet/minikubelet/runtime"
)

// PauseConfig is everything the container runtime needs to start a pod's pause container.
type PauseConfig struct {
	ID        string // the sandbox ID, also the pause container's ID
	Pod       runtime.PodRef
	Attempt   int
	Image     string
	Hostname  string
	NetnsPath string // empty: the host's network (and UTS) namespace
	HostIPC   bool
	HostPID   bool
	Mounts    []runtime.Mount
	// CgroupParent is the pod's cgroup; the pause container's goes under it ("" for the runtime's
	// default place).
	CgroupParent string
	// Sysctls are the pod's (namespaced, safe) sysctls, set in the namespaces pause owns.
	Sysctls map[string]string
	// OOMScoreAdj is the pause container's oom_score_adj (kubelet's -998).
	OOMScoreAdj int
	// Carried on the sandbox so that a restarted agent knows the pod's age.
	PodCreated, PodStarted time.Time
	GracePeriod            int64
}

// PauseRuntime starts and removes pause containers; the containerd runtime implements it.
type PauseRuntime interface {
	StartPause(ctx context.Context, cfg PauseConfig) (pid uint32, err error)
	// SetSandboxIPs records the pod's IPs on its pause container, once CNI has given them.
	SetSandboxIPs(ctx context.Context, id string, ips []string) error
	// RemovePause kills the pause task and deletes the container; not found is success.
	RemovePause(ctx context.Context, id string) error
}
