package sandbox

import (
	"path/filepath"
	"time"

	checkpointfile "github.com/minikubelet/minikubelet/checkpoint"
	"github.com/minikubelet/minikubelet/network"
	"github.com/minikubelet/minikubelet/runtime"
)

// checkpoint is written before a sandbox acquires anything, and removed only once everything is
// released: whatever a crash leaves behind, the checkpoint says what to undo.
type checkpoint struct {
	ID           string                `json:"id"`
	Pod          runtime.PodRef        `json:"pod"`
	NetnsPath    string                `json:"netnsPath,omitempty"`
	HostNetwork  bool                  `json:"hostNetwork,omitempty"`
	PortMappings []network.PortMapping `json:"portMappings,omitempty"`
	Created      time.Time             `json:"created"`
}

const checkpointFile = "checkpoint.json"

func writeCheckpoint(dir string, cp checkpoint) error {
	return checkpointfile.Write(filepath.Join(dir, checkpointFile), cp)
}

func readCheckpoint(dir string) (checkpoint, error) {
	var cp checkpoint
	err := checkpointfile.Read(filepath.Join(dir, checkpointFile), &cp)
	return cp, err
}
