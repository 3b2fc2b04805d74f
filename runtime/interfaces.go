package runtime

import (
	"context"
	"io"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/probes"
)

// ContainerRuntime runs container instances and tells what it holds; runtime/containerd implements
// it.
type ContainerRuntime interface {
	// GetPod observes one pod, settling exited tasks first.
	GetPod(ctx context.Context, uid types.UID) (*PodStatus, error)
	// ListPods observes every pod the runtime holds.
	ListPods(ctx context.Context) (map[types.UID]*PodStatus, error)
	EnsureImage(ctx context.Context, image string, policy v1.PullPolicy) (ImageInfo, error)
	CreateContainer(ctx context.Context, cfg ContainerConfig) (string, error)
	StartContainer(ctx context.Context, id, logPath string) error
	StopContainer(ctx context.Context, id string, grace time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	// ExecSync runs a command in a running container (exec probes and hooks); see action.Execer.
	ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, int, error)
}

// Sandboxes makes and removes pod sandboxes; the sandbox package implements it.
type Sandboxes interface {
	Run(ctx context.Context, req SandboxRequest) (*SandboxStatus, error)
	// RemovePod removes every sandbox recorded for the pod and reports how many there were.
	RemovePod(ctx context.Context, uid types.UID) (int, error)
	// Mounts are the sandbox files each container mounts (/etc/hosts, resolv.conf, ...).
	Mounts(sandboxID string, pod *v1.Pod) []Mount
	// Sweep removes sandboxes on record that keep does not claim.
	Sweep(ctx context.Context, keep func(id string) bool) ([]string, error)
}

// Volumes prepares pod volumes; the volume package implements it.
type Volumes interface {
	Setup(pod *v1.Pod) (map[string]string, error)
	ContainerMounts(pod *v1.Pod, c *v1.Container, paths map[string]string) ([]Mount, error)
	Teardown(uid types.UID) error
	Pods() ([]types.UID, error)
}

// Observer is told what the engine measures (package metrics implements it). Its methods must
// not block.
type Observer interface {
	probes.Observer
	// ObservePodStart is the time from a pod first seen to all of its containers running, once
	// per pod the agent started (not for pods adopted already running).
	ObservePodStart(took time.Duration)
}

type noObserver struct{}

func (noObserver) ObserveProbe(probes.Run)       {}
func (noObserver) ObservePodStart(time.Duration) {}

// Clock is the time source of the decision code, replaced in tests.
type Clock interface{ Now() time.Time }

// RealClock reads the system clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// ExecOptions is an interactive exec: a process in a running container whose streams the caller
// owns (the API's exec sessions).
type ExecOptions struct {
	Cmd []string
	// TTY gives the process a terminal; its output then all comes on Stdout.
	TTY bool
	// Stdin is the process's standard input, nil for none; its EOF closes the process's stdin.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Size is the terminal's initial size (TTY only; zero leaves the default).
	Size TerminalSize
	// Resize carries the terminal's later sizes (TTY only).
	Resize <-chan TerminalSize
}

// TerminalSize is a terminal's size in characters.
type TerminalSize struct{ Width, Height uint16 }
