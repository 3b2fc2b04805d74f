package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"

	"github.com/containernetworking/cni/libcni"
)

const (
	// DefaultNetworkName names the network of the default conflist.
	DefaultNetworkName = "minikubelet"
	// DefaultConfListFile is the file New writes into an empty ConfDir.
	DefaultConfListFile = "10-minikubelet.conflist"

	cniVersion = "1.0.0"
)

// The default conflist, as typed structs so the file is deterministic.
type (
	confList struct {
		CNIVersion string `json:"cniVersion"`
		Name       string `json:"name"`
		Plugins    []any  `json:"plugins"`
	}
	bridgeConf struct {
		Type        string   `json:"type"`
		Bridge      string   `json:"bridge"`
		IsGateway   bool     `json:"isGateway"`
		IPMasq      bool     `json:"ipMasq"`
		HairpinMode bool     `json:"hairpinMode"`
		IPAM        ipamConf `json:"ipam"`
	}
	ipamConf struct {
		Type    string        `json:"type"`
		Ranges  [][]ipamRange `json:"ranges"`
		Routes  []ipamRoute   `json:"routes"`
		DataDir string        `json:"dataDir"`
	}
	ipamRange struct {
		Subnet string `json:"subnet"`
	}
	ipamRoute struct {
		Dst string `json:"dst"`
	}
	portmapConf struct {
		Type         string          `json:"type"`
		Capabilities map[string]bool `json:"capabilities"`
		SNAT         bool            `json:"snat"`
	}
)

// defaultConfList renders the conflist minikubelet writes when ConfDir has
// none: a bridge with host-local IPAM over PodCIDR, then portmap for hostPorts.
// cfg must be validated.
func defaultConfList(cfg Config) ([]byte, error) {
	_, subnet, err := net.ParseCIDR(cfg.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("parse PodCIDR %q: %w", cfg.PodCIDR, err)
	}
	defaultRoute := "0.0.0.0/0"
	if subnet.IP.To4() == nil {
		defaultRoute = "::/0"
	}
	list := confList{
		CNIVersion: cniVersion,
		Name:       DefaultNetworkName,
		Plugins: []any{
			bridgeConf{
				Type:        "bridge",
				Bridge:      cfg.BridgeName,
				IsGateway:   true,
				IPMasq:      true,
				HairpinMode: true,
				IPAM: ipamConf{
					Type:    "host-local",
					Ranges:  [][]ipamRange{{{Subnet: subnet.String()}}},
					Routes:  []ipamRoute{{Dst: defaultRoute}},
					DataDir: cfg.IPAMDataDir,
				},
			},
			portmapConf{
				Type:         "portmap",
				Capabilities: map[string]bool{"portMappings": true},
				SNAT:         true,
			},
		},
	}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render default conflist: %w", err)
	}
	return append(data, '\n'), nil
}

// loopbackConfList brings up lo in the pod's netns. It is a network of its
// own, invoked before the main one, as containerd's CRI plugin does.
func loopbackConfList() (*libcni.NetworkConfigList, error) {
	data, err := json.Marshal(confList{
		CNIVersion: cniVersion,
		Name:       "cni-loopback",
		Plugins:    []any{map[string]string{"type": "loopback"}},
	})
	if err != nil {
		return nil, fmt.Errorf("render loopback conflist: %w", err)
	}
	list, err := libcni.NetworkConfFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("parse loopback conflist: %w", err)
	}
	return list, nil
}

// firstConfFile returns the first CNI config file in dir in sorted order, as
// CNI runtimes pick it, or "" when there is none.
func firstConfFile(dir string) (string, error) {
	files, err := libcni.ConfFiles(dir, []string{".conflist", ".conf", ".json"})
	if err != nil {
		return "", fmt.Errorf("list CNI configs in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return "", nil
	}
	sort.Strings(files)
	return files[0], nil
}

// loadConfFile parses a .conflist, or a single-plugin .conf/.json upgraded to
// a list of one.
func loadConfFile(path string) (*libcni.NetworkConfigList, error) {
	if filepath.Ext(path) == ".conflist" {
		list, err := libcni.NetworkConfFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("load CNI conflist %s: %w", path, err)
		}
		return list, nil
	}
	//lint:ignore SA1019 single-plugin files are still what many hosts have; libcni's upgrade path is the only one.
	conf, err := libcni.ConfFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load CNI config %s: %w", path, err)
	}
	//lint:ignore SA1019 see above.
	list, err := libcni.ConfListFromConf(conf)
	if err != nil {
		return nil, fmt.Errorf("convert CNI config %s to a list: %w", path, err)
	}
	return list, nil
}

// writeFileAtomic writes data to path through a temp file in the same
// directory and a rename, so a reader never sees half a file. The temp name
// has no CNI extension, so a crash leaves nothing a loader would pick up.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp.Name(), path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s to sync it: %w", dir, err)
	}
	return errors.Join(d.Sync(), d.Close())
}
