package deploy

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"strings"
)

//go:embed minikubelet.service
var unitTemplate string

// unitBinary is the binary the shipped unit names; Install points it at the installed one.
const unitBinary = "/usr/local/bin/minikubelet"

// DefaultPrefix is where the binary and the pause program go by default.
const DefaultPrefix = "/usr/local"

// Paths on the target system (before Root is prepended).
const (
	UnitPath     = "/etc/systemd/system/minikubelet.service"
	ConfigDir    = "/etc/minikubelet"
	ConfigPath   = ConfigDir + "/config.yaml"
	ManifestDir  = ConfigDir + "/manifests"
	StateDir     = "/var/lib/minikubelet"
	PodLogsDir   = "/var/log/pods"
	unitBaseName = "minikubelet.service"
)

// layout is where each installed file lives on the target system.
type layout struct {
	binary, pause, logger string
}

func newLayout(prefix string) layout {
	return layout{
		binary: filepath.Join(prefix, "bin", "minikubelet"),
		pause:  filepath.Join(prefix, "lib", "minikubelet", "pause"),
		logger: filepath.Join(prefix, "lib", "minikubelet", "minikubelet-logger"),
	}
}

// unit renders the shipped unit for a binary installed at binary.
func unit(binary string) (string, error) {
	if !strings.Contains(unitTemplate, "ExecStart="+unitBinary+" ") {
		return "", fmt.Errorf("the shipped unit lost its ExecStart=%s line", unitBinary)
	}
	return strings.Replace(unitTemplate, "ExecStart="+unitBinary+" ", "ExecStart="+binary+" ", 1), nil
}

// defaultConfig is the config file Install writes when there is none.
func defaultConfig(l layout) string {
	return fmt.Sprintf(`# minikubelet's settings (KubeletConfiguration's names where kubelet has one).
# Flags given to 'minikubelet run' override them; 'minikubelet run --help' lists them all.
apiVersion: minikubelet.io/v1alpha1
kind: MinikubeletConfiguration
staticPodPath: %s
rootDir: %s
pauseBinary: %s
containerLogger: %s
address: 127.0.0.1
readOnlyPort: 10255
`, ManifestDir, StateDir, l.pause, l.logger)
}
