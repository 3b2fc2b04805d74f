package runtime

import (
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ContainerKind says which list of the pod spec a container comes from.
type ContainerKind string

const (
	KindInit ContainerKind = "init"
	KindMain ContainerKind = "main"
)

// ContainerState is what the runtime observed of one container.
//
//	created --start--> running --exit--> exited
//	   |                                   ^
//	   +------------- start failed --------+
//
// unknown means the runtime could not tell (e.g. the task vanished with its shim).
type ContainerState string

const (
	StateCreated ContainerState = "created"
	StateRunning ContainerState = "running"
	StateExited  ContainerState = "exited"
	StateUnknown ContainerState = "unknown"
)

// ContainerStatus is one container instance (one attempt of a spec container) as observed.
type ContainerStatus struct {
	ID          string
	Name        string
	Kind        ContainerKind
	SandboxID   string
	Attempt     int    // 0 for the first run; the restart count of this instance
	Hash        string // hash of the spec container it was made from
	State       ContainerState
	CreatedAt   time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	ExitCode    int32
	Reason      string // "OOMKilled", or a runtime failure reason; empty for a plain exit
	Message     string
	Image       string // the normalized image reference it runs
	ImageRef    string // image ID: repository@digest
	Pid         uint32
	StopSignal  string // signal name to stop it with; empty means SIGTERM
	GracePeriod int64  // the pod's terminationGracePeriodSeconds when it was created
}

// SandboxState is whether a sandbox's pause process is alive.
type SandboxState string

const (
	SandboxReady    SandboxState = "ready"
	SandboxNotReady SandboxState = "notready"
)

// SandboxStatus is one pod sandbox (pause container, namespaces, network) as observed.
type SandboxStatus struct {
	ID         string
	Attempt    int
	State      SandboxState
	CreatedAt  time.Time
	IPs        []string
	NetnsPath  string
	Pid        uint32
	PodCreated time.Time // when the agent first saw the pod (carried across sandboxes and restarts)
	PodStarted time.Time // when the pod's first sandbox was created
}

// PodStatus is everything the runtime holds for one pod UID.
type PodStatus struct {
	UID       types.UID
	Name      string
	Namespace string
	// Sandboxes newest (highest attempt) first.
	Sandboxes []*SandboxStatus
	// Containers newest first within each name (highest attempt first).
	Containers []*ContainerStatus
}

// Sandbox returns the newest sandbox, or nil.
func (s *PodStatus) Sandbox() *SandboxStatus {
	if s == nil || len(s.Sandboxes) == 0 {
		return nil
	}
	return s.Sandboxes[0]
}

// Latest returns the newest instance of the named container, or nil.
func (s *PodStatus) Latest(name string) *ContainerStatus {
	if s == nil {
		return nil
	}
	for _, c := range s.Containers {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Instances returns every instance of the named container, newest first.
func (s *PodStatus) Instances(name string) []*ContainerStatus {
	if s == nil {
		return nil
	}
	var out []*ContainerStatus
	for _, c := range s.Containers {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Running returns every container instance whose state is running or created.
func (s *PodStatus) Running() []*ContainerStatus {
	if s == nil {
		return nil
	}
	var out []*ContainerStatus
	for _, c := range s.Containers {
		if c.State == StateRunning || c.State == StateCreated || c.State == StateUnknown {
			out = append(out, c)
		}
	}
	return out
}

// SandboxRequest asks for a new sandbox for a pod.
type SandboxRequest struct {
	Pod        *v1.Pod
	Attempt    int
	PodCreated time.Time
	PodStarted time.Time
	// CgroupParent is the pod's cgroup, for the pause container ("" for the runtime's default).
	CgroupParent string
}
