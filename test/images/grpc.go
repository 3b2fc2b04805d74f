package images

import (
	"fmt"
	"os"

	"github.com/minikubelet/minikubelet/ociimage"
)

// GRPCHealth is the busybox image plus /bin/grpchealth (test/images/grpchealth, built static), for
// gRPC probe tests.
func GRPCHealth(busyboxPath, grpchealthBinary, name string) (ociimage.Image, error) {
	imgs, err := Busybox(busyboxPath, name)
	if err != nil {
		return ociimage.Image{}, err
	}
	if err := CheckStatic(grpchealthBinary); err != nil {
		return ociimage.Image{}, fmt.Errorf("grpchealth: %w", err)
	}
	bin, err := os.ReadFile(grpchealthBinary)
	if err != nil {
		return ociimage.Image{}, fmt.Errorf("read grpchealth: %w", err)
	}
	img := imgs[0]
	img.Files = append(img.Files, ociimage.File{Path: "/bin/grpchealth", Mode: 0o755, Data: bin})
	return img, nil
}
