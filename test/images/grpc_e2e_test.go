package images

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/probes/action"
	"github.com/minikubelet/minikubelet/test/containerdtest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// grpcE2ETimeout bounds the whole run of the gRPC health container.
var grpcE2ETimeout = testenv.Scaled(time.Minute)

// TestGRPCHealthServesProbes runs the gRPC health image in containerd (host network, a host
// directory mounted at /probe) and probes it as kubelet would: SERVING while /probe/healthy
// exists, NOT_SERVING once it is gone; SIGTERM ends it with status 0.
func TestGRPCHealthServesProbes(t *testing.T) {
	client := containerdtest.Client(t)
	ctx := containerdtest.Namespace(t, client)
	ctx, cancel := context.WithTimeout(ctx, grpcE2ETimeout)
	defer cancel()

	built, err := GRPCHealth(staticBusybox(t), buildGRPCHealth(t), grpcHealthImage)
	if err != nil {
		t.Fatalf("GRPCHealth: %v", err)
	}
	var archive bytes.Buffer
	if err := ociimage.WriteArchive(&archive, built); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	if _, err := client.Import(ctx, &archive); err != nil {
		t.Fatalf("import: %v", err)
	}
	img, err := client.GetImage(ctx, grpcHealthImage)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if err := img.Unpack(ctx, containerdtest.Snapshotter); err != nil {
		t.Fatalf("unpack: %v", err)
	}

	dir := t.TempDir()
	healthy := filepath.Join(dir, "healthy")
	if err := os.WriteFile(healthy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freeTCPPort(t)
	id := "grpc-health"
	container, err := client.NewContainer(ctx, id,
		containerd.WithImage(img),
		containerd.WithSnapshotter(containerdtest.Snapshotter),
		containerd.WithNewSnapshot(id, img),
		containerd.WithNewSpec(
			oci.WithImageConfig(img),
			oci.WithProcessArgs(GRPCHealthBinary, "-port", strconv.Itoa(int(port)), "-file", "/probe/healthy"),
			oci.WithHostNamespace(specs.NetworkNamespace),
			oci.WithMounts([]specs.Mount{{Type: "bind", Source: dir, Destination: "/probe", Options: []string{"rbind", "rw"}}}),
		))
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	defer func() {
		if err := container.Delete(context.WithoutCancel(ctx), containerd.WithSnapshotCleanup); err != nil {
			t.Errorf("delete container: %v", err)
		}
	}()
	var stdout, stderr bytes.Buffer
	task, err := container.NewTask(ctx, cio.NewCreator(cio.WithStreams(nil, &stdout, &stderr)))
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	defer func() {
		if _, err := task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill); err != nil {
			t.Errorf("delete task: %v", err)
		}
	}()
	exited, err := task.Wait(ctx)
	if err != nil {
		t.Fatalf("wait task: %v", err)
	}
	if err := task.Start(ctx); err != nil {
		t.Fatalf("start task: %v", err)
	}

	probe := &v1.Probe{ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: port}}, TimeoutSeconds: 1}
	target := action.Target{PodIP: "127.0.0.1"}
	// Until the server listens, each probe fails after its 1 s timeout: that paces the polling.
	var res action.Result
	var msg string
	for res != action.Success && ctx.Err() == nil {
		res, msg = action.Probe(ctx, probe, target)
	}
	if res != action.Success {
		t.Fatalf("the server never answered SERVING; last probe %s %q", res, msg)
	}

	if err := os.Remove(healthy); err != nil {
		t.Fatal(err)
	}
	res, msg = action.Probe(ctx, probe, target)
	if want := `service unhealthy (responded with "NOT_SERVING")`; res != action.Failure || msg != want {
		t.Errorf("probe without the file = %s %q, want Failure %q", res, msg, want)
	}

	if err := task.Kill(ctx, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case st := <-exited:
		task.IO().Wait()
		if st.ExitCode() != 0 {
			t.Errorf("exit status %d after SIGTERM, want 0; output: %s%s", st.ExitCode(), stdout.String(), stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("grpchealth did not exit on SIGTERM: %v", ctx.Err())
	}
}

// freeTCPPort returns a port free on the host right now.
func freeTCPPort(t *testing.T) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return int32(l.Addr().(*net.TCPAddr).Port)
}
