package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podCheckpoint is what the agent knows of a pod that containerd's labels do not hold: the spec it
// runs (to tell, after a restart, whether an edited manifest can be applied in place), the restart
// back-off (so a restart does not cut it short) and how the agent ended the pod, if it did. It is
// written atomically (write, fsync, rename) whenever one of them changes.
type podCheckpoint struct {
	Pod         *v1.Pod                  `json:"pod"`
	ManifestUID types.UID                `json:"manifestUID"`
	Created     time.Time                `json:"created"`
	Backoff     map[string]BackoffRecord `json:"backoff,omitempty"`
	Terminal    *terminalState           `json:"terminal,omitempty"`
}

// terminalState is a pod the agent itself ended (activeDeadlineSeconds).
type terminalState struct {
	Phase   v1.PodPhase `json:"phase"`
	Reason  string      `json:"reason"`
	Message string      `json:"message"`
}

const checkpointName = "checkpoint.json"

func checkpointPath(dir string, uid types.UID) string {
	return filepath.Join(dir, string(uid), checkpointName)
}

func writePodCheckpoint(dir string, uid types.UID, cp *podCheckpoint) error {
	data, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode pod checkpoint: %w", err)
	}
	path := checkpointPath(dir, uid)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("write pod checkpoint: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write pod checkpoint: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pod checkpoint: %w", err)
	}
	return nil
}

// readPodCheckpoint returns the pod's checkpoint, or nil when it has none.
func readPodCheckpoint(dir string, uid types.UID) (*podCheckpoint, error) {
	data, err := os.ReadFile(checkpointPath(dir, uid))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pod checkpoint: %w", err)
	}
	var cp podCheckpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("decode pod checkpoint %s: %w", checkpointPath(dir, uid), err)
	}
	return &cp, nil
}
