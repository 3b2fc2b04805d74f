package logs

import (
	"fmt"
	"path/filepath"
)

// PodDir is kubelet's directory of one pod's logs: DIR/NAMESPACE_NAME_UID.
func PodDir(dir, namespace, name, uid string) string {
	return filepath.Join(dir, namespace+"_"+name+"_"+uid)
}

// ContainerPath is the log file of one container instance: DIR/NAMESPACE_NAME_UID/CONTAINER/N.log,
// N the instance's restart count.
func ContainerPath(dir, namespace, name, uid, container string, attempt int) string {
	return filepath.Join(PodDir(dir, namespace, name, uid), container, fmt.Sprintf("%d.log", attempt))
}

// Files are the files holding one instance's log, oldest first: the rotated ones, then path.
func Files(path string) ([]string, error) {
	rotated, err := RotatedFiles(path)
	if err != nil {
		return nil, err
	}
	return append(rotated, path), nil
}
