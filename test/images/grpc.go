package images

import (
	"fmt"
	"os"
	"slices"

	"github.com/minikubelet/minikubelet/ociimage"
)

// GRPCHealthBinary is where the gRPC health image holds the server.
const GRPCHealthBinary = "/bin/grpchealth"

// GRPCHealth builds the busybox image plus /bin/grpchealth, a static build of
// test/images/grpchealth (CGO_ENABLED=0 go build ./test/images/grpchealth), named as given (e.g.
// "minikubelet.test/grpc-health:v1"), for gRPC probe tests:
//
//	command: ["/bin/grpchealth", "-port", "9000", "-file", "/tmp/healthy"]
func GRPCHealth(busyboxPath, grpchealthBinary string, name string) (ociimage.Image, error) {
	imgs, err := Busybox(busyboxPath, name)
	if err != nil {
		return ociimage.Image{}, err
	}
	if err := CheckStatic(grpchealthBinary); err != nil {
		return ociimage.Image{}, fmt.Errorf("grpc health image: %w", err)
	}
	bin, err := os.ReadFile(grpchealthBinary)
	if err != nil {
		return ociimage.Image{}, fmt.Errorf("grpc health image: %w", err)
	}
	img := imgs[0]
	img.Files = append(slices.Clip(img.Files), ociimage.File{Path: GRPCHealthBinary, Mode: 0o755, Data: bin})
	return img, nil
}
