package manifest

import (
	"errors"
	"fmt"
	"io/fs"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/minikubelet/minikubelet/checkpoint"
)

// acceptedState is the file form of an accepted set: per manifest file, the pods its last good
// version declared. The source writes it whenever the set changes and reads it once at start,
// so that a file broken while the agent was down keeps the pods it had (kubelet keeps a static
// pod's last good version the same way), instead of the agent removing them for want of a
// previous snapshot.
type acceptedState struct {
	Version int                     `json:"version"`
	Files   map[string][]stateEntry `json:"files"`
}

type stateEntry struct {
	Document int     `json:"document"`
	Pod      *v1.Pod `json:"pod"`
}

const acceptedStateVersion = 1

// loadAccepted reads the accepted set saved at path. A missing file is an empty set; pods saved
// for another node name are dropped (their UIDs would not match what this node derives).
func loadAccepted(path, nodeName string) (accepted, error) {
	var st acceptedState
	err := checkpoint.Read(path, &st)
	if errors.Is(err, fs.ErrNotExist) {
		return accepted{}, nil
	}
	if err != nil {
		return accepted{}, fmt.Errorf("load accepted manifests: %w", err)
	}
	if st.Version != acceptedStateVersion {
		return accepted{}, fmt.Errorf("load accepted manifests %s: version %d, want %d", path, st.Version, acceptedStateVersion)
	}
	a := accepted{}
	for file, entries := range st.Files {
		for _, e := range entries {
			if e.Pod == nil || e.Pod.UID == "" || e.Pod.Spec.NodeName != nodeName {
				continue
			}
			a[file] = append(a[file], docPod{doc: e.Document, pod: e.Pod})
		}
	}
	return a, nil
}

// saveAccepted writes the accepted set to path atomically.
func saveAccepted(path string, a accepted) error {
	st := acceptedState{Version: acceptedStateVersion, Files: make(map[string][]stateEntry, len(a))}
	for file, dps := range a {
		for _, dp := range dps {
			st.Files[file] = append(st.Files[file], stateEntry{Document: dp.doc, Pod: dp.pod})
		}
	}
	if err := checkpoint.Write(path, st); err != nil {
		return fmt.Errorf("save accepted manifests: %w", err)
	}
	return nil
}

// sameAccepted reports whether two accepted sets hold the same pods for the same files.
func sameAccepted(a, b accepted) bool {
	if len(a) != len(b) {
		return false
	}
	for file, dps := range a {
		other, ok := b[file]
		if !ok || len(other) != len(dps) {
			return false
		}
		for i, dp := range dps {
			o := other[i]
			if dp.doc != o.doc || (dp.pod != o.pod && !equality.Semantic.DeepEqual(dp.pod, o.pod)) {
				return false
			}
		}
	}
	return true
}
