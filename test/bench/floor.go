package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	sysruntime "runtime"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/vishvananda/netns"

	"github.com/minikubelet/minikubelet/network"
	"github.com/minikubelet/minikubelet/sandbox"
	"github.com/minikubelet/minikubelet/test/containerdtest"
	"github.com/minikubelet/minikubelet/test/hosttest"
)

// floorRun does what starting a pod takes, straight through containerd and libcni, one step after
// the other, with no agent logic: pin a netns, CNI ADD, start pause, then run each container in its
// namespaces. It uses the agent's containerd namespace (for its images) and a bridge of its own.
func newFloor(a *agentProc, work string) (*floorRun, error) {
	client, err := containerd.New(containerdtest.Socket, containerd.WithDefaultNamespace(a.namespace))
	if err != nil {
		return nil, err
	}
	pauseBin, err := os.ReadFile(a.pause)
	if err != nil {
		client.Close()
		return nil, err
	}
	f := &floorRun{client: client, pauseImage: sandbox.PauseImage(pauseBin).Name, work: work,
		ctx: namespaces.WithNamespace(context.Background(), a.namespace)}
	f.net, err = network.New(network.Config{
		ConfDir: filepath.Join(work, "floor", "net.d"), BinDirs: []string{"/opt/cni/bin", "/usr/lib/cni"},
		CacheDir: filepath.Join(work, "floor", "cache"), IPAMDataDir: filepath.Join(work, "floor", "ipam"),
		PodCIDR: hosttest.FreeSubnet(reporter{}).String(), BridgeName: floorBridge,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

const floorBridge = "mklfloor"

func (f *floorRun) close() {
	f.client.Close()
	hostLinkDel(floorBridge)
}

// one times a one-container pod.
func (f *floorRun) one(i int) (time.Duration, error) {
	return f.pod(fmt.Sprintf("f1-%d", i), nil, []string{"main"}, nil)
}

// seed times the seed pod: two init containers run to completion, then two containers, two ports.
func (f *floorRun) seed(i, port1, port2 int) (time.Duration, error) {
	ports := []network.PortMapping{{HostPort: int32(port1), ContainerPort: 6379, Protocol: "tcp"}, {HostPort: int32(port2), ContainerPort: 8080, Protocol: "tcp"}}
	return f.pod(fmt.Sprintf("fs-%d", i), []string{"init-a", "init-b"}, []string{"server", "sidecar"}, ports)
}

type floorRun struct {
	ctx        context.Context
	client     *containerd.Client
	net        *network.Manager
	pauseImage string
	work       string
}

// pod times one pod start; everything is torn down afterwards, untimed.
func (f *floorRun) pod(id string, inits, mains []string, ports []network.PortMapping) (time.Duration, error) {
	ctx := f.ctx
	var undo []func()
	defer func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}()
	start := time.Now()
	nsName := "mklfloor-" + id
	if err := pinNetns(nsName); err != nil {
		return 0, err
	}
	nsPath := "/run/netns/" + nsName
	undo = append(undo, func() { _ = netns.DeleteNamed(nsName) })
	att := network.Attachment{SandboxID: id, NetnsPath: nsPath, PodName: id, PodNamespace: "bench", PodUID: id, PortMappings: ports}
	if _, err := f.net.Setup(ctx, att); err != nil {
		return 0, err
	}
	undo = append(undo, func() { _ = f.net.Teardown(context.Background(), att) })
	pause, err := f.client.GetImage(ctx, f.pauseImage)
	if err != nil {
		return 0, err
	}
	pauseTask, err := f.run(ctx, id+"-pause", pause, id, &undo,
		oci.WithProcessArgs("/pause"), oci.WithRootFSReadonly(), oci.WithHostname(id),
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: nsPath}))
	if err != nil {
		return 0, err
	}
	busybox, err := f.client.GetImage(ctx, "docker.io/library/busybox:1.35")
	if err != nil {
		return 0, err
	}
	join := func(kind specs.LinuxNamespaceType, name string) oci.SpecOpts {
		return oci.WithLinuxNamespace(specs.LinuxNamespace{Type: kind, Path: fmt.Sprintf("/proc/%d/ns/%s", pauseTask.Pid(), name)})
	}
	joined := []oci.SpecOpts{join(specs.NetworkNamespace, "net"), join(specs.IPCNamespace, "ipc"), join(specs.UTSNamespace, "uts")}
	for _, name := range inits {
		task, err := f.run(ctx, id+"-"+name, busybox, id, &undo, append(joined, oci.WithProcessArgs("echo", name))...)
		if err != nil {
			return 0, err
		}
		exited, err := task.Wait(ctx)
		if err != nil {
			return 0, err
		}
		<-exited
	}
	for _, name := range mains {
		if _, err := f.run(ctx, id+"-"+name, busybox, id, &undo, append(joined, oci.WithProcessArgs("sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"))...); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// run creates and starts a container with its output to a log file, as the agent does.
func (f *floorRun) run(ctx context.Context, id string, img containerd.Image, group string, undo *[]func(), opts ...oci.SpecOpts) (containerd.Task, error) {
	opts = append(opts, oci.WithDefaultPathEnv, seccomp.WithDefaultProfile(), oci.WithAnnotations(map[string]string{"io.containerd.runc.v2.group": group}))
	c, err := f.client.NewContainer(ctx, id, containerd.WithSnapshotter("overlayfs"), containerd.WithNewSnapshot(id, img),
		containerd.WithRuntime("io.containerd.runc.v2", nil), containerd.WithNewSpec(opts...))
	if err != nil {
		return nil, err
	}
	*undo = append(*undo, func() { _ = c.Delete(context.WithoutCancel(ctx), containerd.WithSnapshotCleanup) })
	task, err := c.NewTask(ctx, cio.LogFile(filepath.Join(f.work, "floor", "logs", id+".log")))
	if err != nil {
		return nil, err
	}
	*undo = append(*undo, func() {
		_ = task.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		_, _ = task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
	})
	return task, task.Start(ctx)
}

// pinNetns makes a named network namespace on a thread that is thrown away afterwards.
func pinNetns(name string) error {
	done := make(chan error, 1)
	go func() {
		sysruntime.LockOSThread()
		h, err := netns.NewNamed(name)
		if err == nil {
			h.Close()
		}
		done <- err
	}()
	return <-done
}
