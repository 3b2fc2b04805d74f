// Package containerd is minikubelet's only user of the containerd client: images, containers, tasks
// and the labels that make containerd the durable record of every pod.
package containerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/namespaces"

	"github.com/minikubelet/minikubelet/cgroups"
	"github.com/minikubelet/minikubelet/faults"
)

const (
	defaultSnapshotter = "overlayfs"
	runcRuntime        = "io.containerd.runc.v2"
	// groupAnnotation makes the runc v2 shim run every container of a pod in one shim process, as
	// containerd's CRI plugin does with io.kubernetes.cri.sandbox-id.
	groupAnnotation = "io.containerd.runc.v2.group"
)

// Config says which containerd to use and how.
type Config struct {
	Address     string // containerd's socket
	Namespace   string // containerd namespace holding all of the agent's objects
	Snapshotter string // default overlayfs
	// Pulls is told how long each image pull took; nil tells no one.
	Pulls PullObserver
	// Logs is how the shim writes each container's stdout and stderr.
	Logs   LogConfig
	Logger *slog.Logger
	// Faults are the failpoints tests enable; nil in production.
	Faults *faults.Points
}

// LogConfig is the container log driver: containerd's runc shim runs Binary (minikubelet-logger)
// with the logs.LoggerCommand key for every container, so logs keep flowing
// while the agent is down. The log URI is built here from this configuration only, never from
// labels or annotations.
type LogConfig struct {
	Binary   string // absolute path of minikubelet-logger; needed to start containers
	MaxSize  int64  // rotate at this size (bytes)
	MaxFiles int    // files kept per container instance, the current one included
}

// PullObserver is told of each image pull that happened (package metrics implements it). It must
// not block.
type PullObserver interface {
	ObserveImagePull(sizeBytes int64, took time.Duration)
}

type noPullObserver struct{}

func (noPullObserver) ObserveImagePull(int64, time.Duration) {}

// Runtime implements the engine's container runtime, the sandbox package's pause runtime and the
// image service on one containerd connection.
type Runtime struct {
	client      *containerd.Client
	namespace   string
	snapshotter string
	pulls       PullObserver
	logs        LogConfig
	host        specHost
	cgroups     *cgroups.Host // nil when the host's cgroups could not be read
	log         *slog.Logger
	faults      *faults.Points
}

// Connect dials containerd and checks it answers.
func Connect(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.Namespace == "" {
		return nil, errors.New("containerd namespace must not be empty")
	}
	if cfg.Snapshotter == "" {
		cfg.Snapshotter = defaultSnapshotter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Pulls == nil {
		cfg.Pulls = noPullObserver{}
	}
	if cfg.Logs.Binary != "" && !filepath.IsAbs(cfg.Logs.Binary) {
		return nil, fmt.Errorf("container logger binary %q is not an absolute path", cfg.Logs.Binary)
	}
	client, err := containerd.New(cfg.Address,
		containerd.WithDefaultNamespace(cfg.Namespace),
		containerd.WithDefaultRuntime(runcRuntime),
		containerd.WithTimeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", cfg.Address, err)
	}
	r := &Runtime{client: client, namespace: cfg.Namespace, snapshotter: cfg.Snapshotter,
		pulls: cfg.Pulls, logs: cfg.Logs, log: cfg.Logger, faults: cfg.Faults}
	if h, err := cgroups.DetectHost(); err != nil {
		r.log.Warn("cannot read the host's cgroups; OOM kills are known only from containerd's events", "err", err)
	} else {
		r.cgroups = &h
		r.host.swapLimit = h.SwapAccounting()
	}
	r.host.minOOMScoreAdj = -1000
	if ok, err := hasCapability(capSysResource); !ok {
		r.host.minOOMScoreAdj = 0
		r.log.Warn("without CAP_SYS_RESOURCE no negative oom_score_adj can be set: Guaranteed containers and pause get 0 instead of kubelet's -997 and -998", "err", err)
	}
	if err := r.Healthy(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return r, nil
}

// Healthy reports whether containerd answers its health check.
func (r *Runtime) Healthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ok, err := r.client.IsServing(ctx)
	if err != nil {
		return fmt.Errorf("containerd health check: %w", err)
	}
	if !ok {
		return errors.New("containerd is not serving")
	}
	return nil
}

// Close drops the connection; containers and tasks keep running.
func (r *Runtime) Close() error { return r.client.Close() }

// Namespace is the containerd namespace the runtime works in.
func (r *Runtime) Namespace() string { return r.namespace }

func (r *Runtime) ctx(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, r.namespace)
}
