package runtime

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/checkpoint"
	"github.com/minikubelet/minikubelet/probes/action"
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
	// Probes are the counted readiness and startup results ("CONTAINERID/KIND"), so that an agent
	// restart neither flaps Ready nor re-runs startup probes (k8s#100277).
	Probes   map[string]action.Result `json:"probes,omitempty"`
	Terminal *terminalState           `json:"terminal,omitempty"`
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
	return checkpoint.Write(checkpointPath(dir, uid), cp)
}

// readPodCheckpoint returns the pod's checkpoint, or nil when it has none.
func readPodCheckpoint(dir string, uid types.UID) (*podCheckpoint, error) {
	var cp podCheckpoint
	err := checkpoint.Read(checkpointPath(dir, uid), &cp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &cp, nil
}
