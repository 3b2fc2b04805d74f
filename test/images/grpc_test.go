package images

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// grpcHealthImage is the name the tests give the gRPC health image.
const grpcHealthImage = "minikubelet.test/grpc-health:v1"

// buildGRPCHealth builds ./grpchealth, static, into the test's temporary directory.
func buildGRPCHealth(t *testing.T) string {
	t.Helper()
	if prebuilt, ok := testenv.Prebuilt("grpchealth"); ok { // the test VM has no Go toolchain
		return prebuilt
	}
	goBin, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("no go tool to build grpchealth: %v", err)
	}
	out := filepath.Join(t.TempDir(), "grpchealth")
	cmd := exec.Command(goBin, "build", "-o", out, "./grpchealth")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./grpchealth: %v\n%s", err, b)
	}
	return out
}

func TestGRPCHealth(t *testing.T) {
	busybox := staticBusybox(t)
	bin := buildGRPCHealth(t)
	img, err := GRPCHealth(busybox, bin, grpcHealthImage)
	if err != nil {
		t.Fatalf("GRPCHealth: %v", err)
	}
	if img.Name != grpcHealthImage {
		t.Errorf("Name = %q, want %q", img.Name, grpcHealthImage)
	}
	want, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]ociimage.File)
	for _, f := range img.Files {
		files[f.Path] = f
	}
	if f, ok := files[GRPCHealthBinary]; !ok || f.Mode != 0o755 || !bytes.Equal(f.Data, want) {
		t.Errorf("image lacks %s as built (present %v, mode %v)", GRPCHealthBinary, ok, f.Mode)
	}
	if _, ok := files["/bin/sh"]; !ok {
		t.Error("image lacks busybox's /bin/sh")
	}
	if _, err := ociimage.Build(img); err != nil {
		t.Fatalf("Build: %v", err)
	}
}

func TestGRPCHealthRejectsDynamicBinary(t *testing.T) {
	_, err := GRPCHealth(staticBusybox(t), "/bin/ls", grpcHealthImage)
	if err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Fatalf("GRPCHealth(/bin/ls) error = %v, want one saying it is dynamically linked", err)
	}
}
