package sandbox

import (
	"crypto/sha256"
	"fmt"

	"github.com/minikubelet/minikubelet/ociimage"
)

// PauseImageRepository names the pause image the agent builds itself; no registry is involved.
const PauseImageRepository = "minikubelet.local/pause"

// PauseImage is the pause image built around the pause binary. Its tag is taken from the binary's
// content, so a new binary makes a new image and an unchanged one is imported only once.
func PauseImage(binary []byte) ociimage.Image {
	sum := sha256.Sum256(binary)
	return ociimage.Image{
		Name:   fmt.Sprintf("%s:%x", PauseImageRepository, sum[:6]),
		Files:  []ociimage.File{{Path: "/pause", Mode: 0o755, Data: binary}},
		Config: ociimage.Config{Entrypoint: []string{"/pause"}},
	}
}
