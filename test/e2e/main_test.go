package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/runtime/containerd"
	"github.com/minikubelet/minikubelet/test/images"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// artifacts are built once for every test: the agent, the pause program, the image archives (in
// one directory the agents import from).
type artifacts struct {
	agent, pause, busyboxTar string
	cnifault                 string // the misbehaving CNI plugin (test/cnifault)
}

// grpcImage holds busybox plus grpchealth, the project's own gRPC health server.
const grpcImage = "minikubelet.test/grpc-health:v1"

var built artifacts

func TestMain(m *testing.M) {
	if os.Getenv("MINIKUBELET_E2E") != "1" {
		os.Exit(m.Run()) // every test skips
	}
	dir, err := os.MkdirTemp("", "minikubelet-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	built, err = build(dir)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e set-up:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(dir string) (artifacts, error) {
	if os.Geteuid() != 0 {
		return artifacts{}, fmt.Errorf("MINIKUBELET_E2E=1 needs root")
	}
	if !containerd.Answers("/run/containerd/containerd.sock") {
		return artifacts{}, fmt.Errorf("MINIKUBELET_E2E=1 needs containerd at /run/containerd/containerd.sock (scripts/setup-host.sh starts it)")
	}
	for _, p := range []string{"bridge", "host-local", "portmap", "loopback"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cni", p)); err != nil {
			return artifacts{}, fmt.Errorf("CNI plugin %s missing: %w", p, err)
		}
	}
	a := artifacts{
		agent:      filepath.Join(dir, "minikubelet"),
		pause:      filepath.Join(dir, "pause"),
		busyboxTar: filepath.Join(dir, "images", "busybox.tar"),
	}
	if err := buildTool(a.agent, "minikubelet", "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", a.agent, "../../cmd/minikubelet"); err != nil {
		return a, err
	}
	// The container log driver, where the agent looks for it: beside the agent.
	logger := filepath.Join(dir, "minikubelet-logger")
	if err := buildTool(logger, "minikubelet-logger", "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", logger, "../../cmd/minikubelet-logger"); err != nil {
		return a, err
	}
	if err := buildTool(a.pause, "pause", "gcc", "-static", "-Os", "-s", "-o", a.pause, "../../sandbox/pause/pause.c"); err != nil {
		return a, err
	}
	imgs, err := images.Busybox(images.DefaultBusybox, images.BusyboxImage, images.BusyboxLatest)
	if err != nil {
		return a, err
	}
	if err := os.MkdirAll(filepath.Dir(a.busyboxTar), 0o755); err != nil {
		return a, err
	}
	if err := ociimage.WriteArchiveFile(a.busyboxTar, imgs...); err != nil {
		return a, err
	}
	a.cnifault = filepath.Join(dir, "cnifault")
	if err := buildTool(a.cnifault, "cnifault", "go", "build", "-o", a.cnifault, "../cnifault"); err != nil {
		return a, err
	}
	grpchealth := filepath.Join(dir, "grpchealth")
	if err := buildTool(grpchealth, "grpchealth", "go", "build", "-o", grpchealth, "../images/grpchealth"); err != nil {
		return a, err
	}
	grpc, err := images.GRPCHealth(images.DefaultBusybox, grpchealth, grpcImage)
	if err != nil {
		return a, err
	}
	return a, ociimage.WriteArchiveFile(filepath.Join(filepath.Dir(a.busyboxTar), "grpc-health.tar"), grpc)
}

// buildTool puts the helper program name at path: the prebuilt one when the test VM provides it
// (it has no compilers), else built with the command (static, as the Makefile builds).
func buildTool(path, name string, command ...string) error {
	if prebuilt, ok := testenv.Prebuilt(name); ok {
		return os.Symlink(prebuilt, path)
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", name, err, out)
	}
	return nil
}
