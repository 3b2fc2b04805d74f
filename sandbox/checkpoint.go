package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

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
	data, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode sandbox checkpoint: %w", err)
	}
	tmp := filepath.Join(dir, checkpointFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write sandbox checkpoint: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, checkpointFile))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write sandbox checkpoint: %w", err)
	}
	return nil
}

func readCheckpoint(dir string) (checkpoint, error) {
	var cp checkpoint
	data, err := os.ReadFile(filepath.Join(dir, checkpointFile))
	if err != nil {
		return cp, fmt.Errorf("read sandbox checkpoint: %w", err)
	}
	if err := json.Unmarshal(data, &cp); err != nil {
		return cp, fmt.Errorf("decode sandbox checkpoint %s: %w", dir, err)
	}
	return cp, nil
}
