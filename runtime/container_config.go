package runtime

import (
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/cgroups"
)

// ImageInfo is an image present in the runtime, with the parts of its config that shape a container.
type ImageInfo struct {
	Name       string // normalized reference, e.g. docker.io/library/busybox:1.35
	ID         string // repository@digest of the manifest, shown as imageID
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	StopSignal string
	// Pulled says EnsureImage pulled it just now (rather than finding it present).
	Pulled bool
}

// Mount is a bind mount into a container.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
}

// PodRef names the pod a runtime object belongs to; it goes into the runtime's own labels.
type PodRef struct {
	UID       types.UID
	Name      string
	Namespace string
}

// ContainerConfig is everything the runtime needs to create one container instance. It is computed
// from the pod spec by the engine (container_config_build.go) with no I/O, so tests can inspect it.
type ContainerConfig struct {
	Pod         PodRef
	Name        string
	Kind        ContainerKind
	Attempt     int
	Hash        string
	GracePeriod int64

	SandboxID  string
	SandboxPid uint32
	// Namespaces the container shares with the sandbox; network, IPC and UTS are joined unless the
	// pod uses the host's.
	HostNetwork, HostIPC, HostPID bool
	ShareProcessNamespace         bool

	Image      ImageInfo
	Args       []string // final argv
	Env        []string // KEY=VALUE, image env first, pod env after
	WorkingDir string
	// User is the process's user as the runtime resolves it ("uid", "uid:gid", "name", "");
	// from the image's USER unless runAsUser or runAsGroup say otherwise.
	User       string
	StopSignal string
	Mounts     []Mount
	LogPath    string

	// CgroupParent is the pod's cgroup; the container's goes under it, named by its ID. Empty:
	// the runtime's default place.
	CgroupParent string
	Resources    cgroups.Resources
	Security     SecurityConfig
	// OOMScoreAdj is kubelet's oom_score_adj for the container's QoS class; the runtime may raise
	// it to what the host lets it set.
	OOMScoreAdj int
}
