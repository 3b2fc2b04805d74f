// Package network attaches pod sandboxes to the pod network through CNI
// (libcni): it owns the conflist, runs ADD/DEL for each sandbox and reports the
// pod IPs. Nothing else in minikubelet imports CNI.
//
// A sandbox is attached to two networks, as containerd's CRI plugin does: a
// loopback network that brings up lo, then the main network (the first config
// in ConfDir) that gives the pod eth0, its IPs and its hostPort mappings.
// Teardown deletes them in the reverse order.
package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/version"
)

// Manager attaches sandboxes to the pod network. Its fields are set by New and
// never change, so it needs no lock: Setup and Teardown may run concurrently
// for different sandboxes (host-local serialises its own IPAM store).
type Manager struct {
	log      *slog.Logger
	cni      *libcni.CNIConfig
	binDirs  []string
	confFile string                    // the file the main network was loaded from
	network  *libcni.NetworkConfigList // the main network: eth0, IPs, hostPorts
	loopback *libcni.NetworkConfigList // brings lo up, before the main network
	ipMasq   bool                      // the main network's bridge masquerades (see ipmasq.go)
	timeout  time.Duration             // bounds Setup's ADDs
}

// New loads the network config: the first *.conflist/*.conf/*.json in ConfDir
// (sorted, as CNI does), or, when ConfDir has none, writes the default
// conflist there first (atomically: temp file + rename).
func New(cfg Config) (*Manager, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "network")

	file, err := firstConfFile(cfg.ConfDir)
	if err != nil {
		return nil, err
	}
	def, err := defaultConfList(cfg)
	if err != nil {
		return nil, err
	}
	switch {
	case file == "":
		if err := os.MkdirAll(cfg.ConfDir, 0o755); err != nil {
			return nil, fmt.Errorf("create CNI conf dir: %w", err)
		}
		file = filepath.Join(cfg.ConfDir, DefaultConfListFile)
		if err := writeFileAtomic(file, def, 0o644); err != nil {
			return nil, fmt.Errorf("write default CNI conflist: %w", err)
		}
		log.Info("wrote default CNI conflist", "file", file, "podCIDR", cfg.PodCIDR, "bridge", cfg.BridgeName)
	case filepath.Base(file) == DefaultConfListFile:
		if old, err := os.ReadFile(file); err == nil && !bytes.Equal(old, def) {
			log.Warn("CNI conflist differs from the one PodCIDR/BridgeName/IPAMDataDir would give; using the file as it is (delete it to regenerate)",
				"file", file)
		}
	}

	list, err := loadConfFile(file)
	if err != nil {
		return nil, err
	}
	loopback, err := loopbackConfList()
	if err != nil {
		return nil, err
	}
	// Give libcni its exec up front: left nil, it would set one lazily on
	// first use, a data race between concurrent Setups.
	exec := &invoke.DefaultExec{
		RawExec:       &invoke.RawExec{Stderr: pluginStderr{log: log}},
		PluginDecoder: version.PluginDecoder{},
	}
	log.Info("CNI network loaded", "file", file, "network", list.Name, "plugins", pluginTypes(list))
	return &Manager{
		log:      log,
		cni:      libcni.NewCNIConfigWithCacheDir(cfg.BinDirs, cfg.CacheDir, exec),
		binDirs:  cfg.BinDirs,
		confFile: file,
		network:  list,
		loopback: loopback,
		ipMasq:   usesBridgeIPMasq(list),
		timeout:  cfg.SetupTimeout,
	}, nil
}

// NetworkName is the name of the main network (the conflist's "name").
func (m *Manager) NetworkName() string { return m.network.Name }

// Ready reports whether the config is loaded and every plugin it names is in
// BinDirs and supports the config's CNI version (it runs each plugin's
// VERSION command, under ctx).
func (m *Manager) Ready(ctx context.Context) error {
	var errs []error
	for _, list := range []*libcni.NetworkConfigList{m.loopback, m.network} {
		if _, err := m.cni.ValidateNetworkList(ctx, list); err != nil {
			errs = append(errs, fmt.Errorf("network %q: %w", list.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("CNI not ready (config %s, plugin dirs %s): %w",
			m.confFile, strings.Join(m.binDirs, ":"), err)
	}
	return nil
}

func pluginTypes(list *libcni.NetworkConfigList) []string {
	names := make([]string, 0, len(list.Plugins))
	for _, p := range list.Plugins {
		names = append(names, p.Network.Type)
	}
	return names
}

// pluginStderr logs what a successful plugin wrote to stderr (a failed
// plugin's stderr ends up in its error). libcni hands it over in one Write.
type pluginStderr struct{ log *slog.Logger }

func (w pluginStderr) Write(p []byte) (int, error) {
	w.log.Debug("CNI plugin stderr", "output", strings.TrimSpace(string(p)))
	return len(p), nil
}
