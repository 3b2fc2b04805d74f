package network

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/containernetworking/cni/pkg/utils"
)

// Defaults for the conflist minikubelet writes when ConfDir holds none. They
// are chosen not to clash with podman's or containerd's CRI defaults
// (10.88.0.0/16, cni0, podman0, /var/lib/cni/networks).
const (
	DefaultPodCIDR    = "10.66.0.0/16"
	DefaultBridgeName = "mkl0"
	// DefaultSetupTimeout is how long a sandbox's ADDs may take. A healthy bridge+portmap ADD
	// takes well under a second; a plugin that hangs must not hold the pod for ever.
	DefaultSetupTimeout = time.Minute
)

// Config says where the CNI configuration, plugins and state live.
type Config struct {
	ConfDir     string   // directory of CNI configs (the agent's own: ROOT/cni/net.d by default)
	BinDirs     []string // plugin dirs, e.g. /opt/cni/bin, /usr/lib/cni (missing dirs are fine)
	CacheDir    string   // libcni cache dir (ROOT/cni/cache), so DEL works after an agent restart
	PodCIDR     string   // for the default conflist only; default "10.66.0.0/16"
	BridgeName  string   // for the default conflist only; default "mkl0"
	IPAMDataDir string   // host-local dataDir for the default conflist (ROOT/cni/ipam)
	// SetupTimeout bounds a sandbox's ADDs; a plugin still running then is killed, what it did
	// is rolled back and Setup fails. Default DefaultSetupTimeout.
	SetupTimeout time.Duration
	Logger       *slog.Logger
}

// withDefaults returns a copy of c with the documented defaults filled in.
func (c Config) withDefaults() Config {
	if c.PodCIDR == "" {
		c.PodCIDR = DefaultPodCIDR
	}
	if c.BridgeName == "" {
		c.BridgeName = DefaultBridgeName
	}
	if c.SetupTimeout <= 0 {
		c.SetupTimeout = DefaultSetupTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.BinDirs = append([]string(nil), c.BinDirs...)
	return c
}

// validate reports every problem with a defaulted Config at once.
func (c Config) validate() error {
	var errs []error
	absDir := func(field, dir string) {
		switch {
		case dir == "":
			errs = append(errs, fmt.Errorf("%s is required", field))
		case !filepath.IsAbs(dir):
			errs = append(errs, fmt.Errorf("%s %q is not an absolute path", field, dir))
		}
	}
	absDir("ConfDir", c.ConfDir)
	absDir("CacheDir", c.CacheDir)
	absDir("IPAMDataDir", c.IPAMDataDir)
	if len(c.BinDirs) == 0 {
		errs = append(errs, errors.New("BinDirs needs at least one plugin directory"))
	}
	for i, dir := range c.BinDirs {
		absDir(fmt.Sprintf("BinDirs[%d]", i), dir)
	}
	if _, _, err := net.ParseCIDR(c.PodCIDR); err != nil {
		errs = append(errs, fmt.Errorf("PodCIDR %q: %w", c.PodCIDR, err))
	}
	if err := utils.ValidateInterfaceName(c.BridgeName); err != nil {
		errs = append(errs, fmt.Errorf("BridgeName %q: %w", c.BridgeName, err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid network config: %w", err)
	}
	return nil
}
