package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/cgroups"
	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/faults/seam"
	"github.com/minikubelet/minikubelet/images"
	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/metrics"
	"github.com/minikubelet/minikubelet/network"
	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/runtime"
	"github.com/minikubelet/minikubelet/runtime/containerd"
	"github.com/minikubelet/minikubelet/sandbox"
	"github.com/minikubelet/minikubelet/server"
	"github.com/minikubelet/minikubelet/volume"
)

// runAgent wires the concrete parts together and runs them until ctx ends. Ending it stops the
// agent, not the pods: they are adopted on the next start.
func runAgent(sigCtx context.Context, f runFlags, log *slog.Logger) error {
	rtFaults, err := runtimeFaults(log)
	if err != nil {
		return err
	}
	for _, d := range []string{f.RootDir, f.ImagesDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	// The agent's own context: it ends after a signal (and the drain, with --stop-pods-on-exit),
	// or when a task fails for good.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := context.AfterFunc(sigCtx, func() {
		if !f.StopPodsOnExit {
			cancel(nil)
		}
	})
	defer stop()
	var daemon taskGroup // containerd, if the agent runs its own: stopped last
	defer daemon.wait()
	address, stopDaemon, err := ensureContainerd(sigCtx, f, log, &daemon)
	if err != nil {
		if sigCtx.Err() != nil {
			log.Info("stopped before containerd answered", "err", err)
			return nil
		}
		return err
	}
	defer stopDaemon()
	measured := metrics.New()
	failpoints, err := faults.Parse(os.Getenv(faults.Env), log)
	if err != nil {
		return fmt.Errorf("%s: %w", faults.Env, err)
	}
	if failpoints != nil {
		log.Warn("failpoints enabled: the agent will hang at them (for tests only)", "failpoints", failpoints.Steps())
	}
	logger, err := findLoggerBinary(f.LoggerBinary)
	if err != nil {
		return err
	}
	rt, err := containerd.Connect(ctx, containerd.Config{
		Address: address, Namespace: f.Namespace, Pulls: measured, Logger: log,
		Logs:   containerd.LogConfig{Binary: logger, MaxSize: f.LogMaxSizeBytes, MaxFiles: f.LogMaxFiles},
		Faults: failpoints,
	})
	if err != nil {
		return err
	}
	defer rt.Close()
	log.Info("connected to containerd", "address", address, "namespace", f.Namespace)
	// Before any container is made: snapshots an agent killed mid-create left with no container.
	swept, err := rt.SweepSnapshots(ctx)
	for _, key := range swept {
		log.Info("removed orphaned snapshot", "snapshot", key)
	}
	if err != nil {
		log.Error("sweep orphaned snapshots", "err", err)
	}

	pauseImage, err := ensurePauseImage(ctx, rt, f.PauseBinary, log)
	if err != nil {
		return err
	}
	nw, err := network.New(network.Config{
		ConfDir: f.CNIConfDir, BinDirs: f.CNIBinDirs,
		CacheDir: filepath.Join(f.RootDir, "cni", "cache"), IPAMDataDir: filepath.Join(f.RootDir, "cni", "ipam"),
		PodCIDR: f.PodCIDR, BridgeName: f.BridgeName, SetupTimeout: f.CNITimeout, Logger: log,
	})
	if err != nil {
		return err
	}
	if err := nw.Ready(ctx); err != nil {
		return fmt.Errorf("pod network not usable: %w", err)
	}
	hostIPs := network.NodeIPs()
	sandboxes, err := sandbox.New(sandbox.Config{
		Dir: filepath.Join(f.RootDir, "sandboxes"), PauseImage: pauseImage,
		Network: nw, Runtime: rt, HostIPs: hostIPs, Logger: log, Faults: failpoints,
	})
	if err != nil {
		return err
	}
	volumes, err := volume.New(filepath.Join(f.RootDir, "pods"), log)
	if err != nil {
		return err
	}
	volumes.SetAllowedHostPaths(f.AllowedHostPaths)
	podCgroups, err := cgroups.NewManager(f.CgroupRoot, log)
	if err != nil {
		return fmt.Errorf("pod cgroups: %w", err)
	}
	memory, err := cgroups.MemoryCapacity()
	if err != nil {
		log.Warn("node memory unknown; Burstable containers get oom_score_adj 999", "err", err)
	}
	mgr, err := runtime.NewManager(runtime.Config{
		Cgroups: podCgroups, SeccompDir: filepath.Join(f.RootDir, "seccomp"), MemoryCapacity: memory,
		Runtime: seam.WrapRuntime(rt, rtFaults, log), Sandboxes: seam.WrapSandboxes(sandboxes, rtFaults, log), Volumes: volumes,
		LogDir: f.PodLogsDir, PodDir: filepath.Join(f.RootDir, "pods"),
		NodeName: f.NodeName, HostIPs: hostIPs, RestartBackoff: f.RestartBackoff, Observer: measured, Logger: log,
		Faults: failpoints,
	})
	if err != nil {
		return err
	}
	if err := measured.RegisterPods(mgr); err != nil {
		return err
	}

	// Images first, so that pods whose images come from the directory find them.
	imageDir := images.NewDir(f.ImagesDir, rt, 0, log)
	if err := imageDir.Sync(ctx); err != nil {
		return err
	}

	tasks := taskGroup{cancel: cancel}
	defer tasks.wait() // before the runtime connection closes and containerd stops
	api := &apiSource{pods: mgr, runtime: rt, synced: mgr.Synced()}
	token, err := apiToken(f)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{
		Address: f.Address, Token: token, Port: f.ReadOnlyPort, Socket: f.Socket, Profiling: f.Profiling,
		Metrics: measured.Gatherer(), LogDir: f.PodLogsDir, Exec: rt, Logger: log,
	}, api)
	if err := srv.Listen(); err != nil {
		return err
	}
	log.Info("serving the API", "address", srv.Addr().String(), "socket", f.Socket)

	snapshots := make(chan manifest.Snapshot)
	source := manifest.NewSource(manifest.Config{Dir: f.ManifestDir, NodeName: f.NodeName, ResyncPeriod: f.FileCheck,
		InsecureManifests: f.InsecureManifests, Logger: log, StateFile: filepath.Join(f.RootDir, "manifest-state", "accepted.json")})
	tasks.goRun("manifest source", log, func() error { return source.Run(ctx, snapshots) })
	tasks.goRun("manifest feed", log, func() error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case snap := <-snapshots:
				api.setErrors(snap.Errors)
				mgr.Update(snap.Pods)
			}
		}
	})
	tasks.goRun("pod manager", log, func() error { return mgr.Run(ctx) })
	tasks.goRun("runtime events", log, func() error { rt.WatchEvents(ctx, mgr.PodChanged, mgr.ResyncAll); return nil })
	tasks.goRun("images dir", log, func() error { return imageDir.Watch(ctx) })
	tasks.goRun("api", log, func() error { return srv.Serve(ctx) })
	notifier := systemdNotifier{log: log}
	tasks.goRun("systemd notify", log, func() error { return notifier.run(ctx, mgr.WaitReady, api.Healthy) })
	log.Info("minikubelet running", "manifests", f.ManifestDir, "node", f.NodeName, "root", f.RootDir)
	select {
	case <-ctx.Done():
	case <-sigCtx.Done():
	}
	notifier.stopping()
	if f.StopPodsOnExit && ctx.Err() == nil {
		log.Info("stopping every pod before exiting (--stop-pods-on-exit)")
		// A second signal cuts the drain short.
		second, stopSecond := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		if err := mgr.Drain(second); err != nil {
			log.Error("drain cut short; some pods keep running", "err", err)
		}
		stopSecond()
		cancel(nil)
	} else {
		log.Info("stopping; pods keep running")
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// ensureContainerd returns the address of a containerd that answers: the one the user named,
// once it answers; else the default one, the agent's own from an earlier run, or a new child the
// agent supervises.
func ensureContainerd(ctx context.Context, f runFlags, log *slog.Logger, tasks *taskGroup) (string, func(), error) {
	if f.ContainerdNamed {
		return f.ContainerdAddress, func() {}, waitForContainerd(ctx, f, log)
	}
	if containerd.Answers(f.ContainerdAddress) {
		return f.ContainerdAddress, func() {}, nil
	}
	own := containerd.OwnAddress(f.RootDir)
	if containerd.Answers(own) {
		log.Info("using the agent's containerd from an earlier run", "address", own)
		return own, func() {}, nil
	}
	log.Info("no containerd answers; starting our own", "tried", f.ContainerdAddress)
	d, err := containerd.NewDaemon(containerd.DaemonConfig{RootDir: f.RootDir, Logger: log})
	if err != nil {
		return "", nil, err
	}
	// Its own context: it must outlive everything that talks to it, and stop last.
	dctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	exited := make(chan error, 1)
	tasks.goRun("containerd", log, func() error { err := d.Run(dctx, ready); exited <- err; return err })
	select {
	case <-ready:
		return d.Address(), cancel, nil
	case err := <-exited:
		cancel()
		return "", nil, fmt.Errorf("start containerd: %w", err)
	case <-time.After(90 * time.Second):
		cancel()
		return "", nil, errors.New("our containerd did not answer within 90s; see ROOT/containerd/containerd.log")
	}
}

// apiToken is the bearer token the TCP API requires, "" without --authentication-token-file.
func apiToken(f runFlags) (string, error) {
	if f.TokenFile == "" {
		return "", nil
	}
	token, err := server.ReadTokenFile(f.TokenFile)
	if err != nil {
		return "", fmt.Errorf("--authentication-token-file: %w", err)
	}
	return token, nil
}

// ensurePauseImage builds the pause image from the pause program and imports it unless present.
func ensurePauseImage(ctx context.Context, rt *containerd.Runtime, flag string, log *slog.Logger) (string, error) {
	path, err := findPauseBinary(flag)
	if err != nil {
		return "", err
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read pause program: %w", err)
	}
	img := sandbox.PauseImage(bin)
	if ok, err := rt.HasImage(ctx, img.Name); err != nil {
		return "", err
	} else if ok {
		return img.Name, nil
	}
	var buf bytes.Buffer
	if err := ociimage.WriteArchive(&buf, img); err != nil {
		return "", fmt.Errorf("build pause image: %w", err)
	}
	if _, err := rt.Import(ctx, &buf); err != nil {
		return "", fmt.Errorf("import pause image: %w", err)
	}
	log.Info("built the pause image", "image", img.Name, "from", path)
	return img.Name, nil
}

// apiSource is what the HTTP API serves: the manager's pods and events, the refused manifests,
// health.
type apiSource struct {
	pods interface {
		Pods() []v1.Pod
		WatchPods() ([]v1.Pod, <-chan struct{})
		PodEvents(namespace, name string) (*v1.EventList, bool)
	}
	runtime interface{ Healthy(context.Context) error }
	synced  <-chan struct{}

	mu     sync.Mutex
	errors []manifest.FileError // guarded by mu
}

func (a *apiSource) Pods() []v1.Pod { return a.pods.Pods() }

// WatchPods serves GET /pods?watch=true (server.PodWatcher).
func (a *apiSource) WatchPods() ([]v1.Pod, <-chan struct{}) { return a.pods.WatchPods() }

func (a *apiSource) PodEvents(namespace, name string) (*v1.EventList, bool) {
	return a.pods.PodEvents(namespace, name)
}

func (a *apiSource) ManifestErrors() []manifest.FileError {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]manifest.FileError(nil), a.errors...)
}

func (a *apiSource) setErrors(errs []manifest.FileError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errors = errs
}

func (a *apiSource) Healthy(ctx context.Context) error {
	select {
	case <-a.synced:
	default:
		return errors.New("manifests not applied yet")
	}
	return a.runtime.Healthy(ctx)
}

// taskGroup runs the agent's long-lived goroutines and waits for them. A task that fails cancels
// the group's context with its error, when the group has one.
type taskGroup struct {
	wg     sync.WaitGroup
	cancel context.CancelCauseFunc
}

func (g *taskGroup) goRun(name string, log *slog.Logger, fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("task failed", "task", name, "err", err)
			if g.cancel != nil {
				g.cancel(fmt.Errorf("%s: %w", name, err))
			}
		}
	}()
}

func (g *taskGroup) wait() { g.wg.Wait() }
