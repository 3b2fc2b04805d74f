package network

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
)

// testConfig is a valid Config whose dirs all live under a fresh temp dir.
func testConfig(t *testing.T) Config {
	t.Helper()
	root := t.TempDir()
	return Config{
		ConfDir:     filepath.Join(root, "net.d"),
		BinDirs:     []string{filepath.Join(root, "bin")},
		CacheDir:    filepath.Join(root, "cache"),
		IPAMDataDir: filepath.Join(root, "ipam"),
	}
}

func TestDefaultConfList(t *testing.T) {
	tests := []struct {
		name         string
		podCIDR      string
		bridge       string
		wantSubnet   string
		wantBridge   string
		wantDefRoute string
	}{
		{name: "defaults", wantSubnet: "10.66.0.0/16", wantBridge: "mkl0", wantDefRoute: "0.0.0.0/0"},
		{name: "custom CIDR and bridge", podCIDR: "10.67.3.0/24", bridge: "mkltest1", wantSubnet: "10.67.3.0/24", wantBridge: "mkltest1", wantDefRoute: "0.0.0.0/0"},
		{name: "host bits dropped", podCIDR: "10.67.3.9/24", wantSubnet: "10.67.3.0/24", wantBridge: "mkl0", wantDefRoute: "0.0.0.0/0"},
		{name: "IPv6", podCIDR: "fd66::/64", wantSubnet: "fd66::/64", wantBridge: "mkl0", wantDefRoute: "::/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.PodCIDR, cfg.BridgeName = tc.podCIDR, tc.bridge
			cfg = cfg.withDefaults()
			data, err := defaultConfList(cfg)
			if err != nil {
				t.Fatalf("defaultConfList: %v", err)
			}
			list, err := libcni.NetworkConfFromBytes(data)
			if err != nil {
				t.Fatalf("libcni cannot parse the default conflist: %v\n%s", err, data)
			}
			if list.Name != "minikubelet" || list.CNIVersion != "1.0.0" {
				t.Errorf("name, cniVersion = %q, %q; want minikubelet, 1.0.0", list.Name, list.CNIVersion)
			}
			if len(list.Plugins) != 2 || list.Plugins[0].Network.Type != "bridge" || list.Plugins[1].Network.Type != "portmap" {
				t.Fatalf("plugins = %v, want [bridge portmap]", pluginTypes(list))
			}

			var bridge struct {
				Bridge      string `json:"bridge"`
				IsGateway   bool   `json:"isGateway"`
				IPMasq      bool   `json:"ipMasq"`
				HairpinMode bool   `json:"hairpinMode"`
				IPAM        struct {
					Type    string                `json:"type"`
					Ranges  [][]map[string]string `json:"ranges"`
					Routes  []map[string]string   `json:"routes"`
					DataDir string                `json:"dataDir"`
				} `json:"ipam"`
			}
			if err := json.Unmarshal(list.Plugins[0].Bytes, &bridge); err != nil {
				t.Fatalf("decode bridge plugin: %v", err)
			}
			if bridge.Bridge != tc.wantBridge || !bridge.IsGateway || !bridge.IPMasq || !bridge.HairpinMode {
				t.Errorf("bridge plugin = %+v; want bridge %q with isGateway, ipMasq, hairpinMode", bridge, tc.wantBridge)
			}
			ipam := bridge.IPAM
			if ipam.Type != "host-local" || ipam.DataDir != cfg.IPAMDataDir {
				t.Errorf("ipam type, dataDir = %q, %q; want host-local, %q", ipam.Type, ipam.DataDir, cfg.IPAMDataDir)
			}
			if len(ipam.Ranges) != 1 || len(ipam.Ranges[0]) != 1 || ipam.Ranges[0][0]["subnet"] != tc.wantSubnet {
				t.Errorf("ipam ranges = %v, want one subnet %s", ipam.Ranges, tc.wantSubnet)
			}
			if len(ipam.Routes) != 1 || ipam.Routes[0]["dst"] != tc.wantDefRoute {
				t.Errorf("ipam routes = %v, want a default route %s", ipam.Routes, tc.wantDefRoute)
			}

			pm := list.Plugins[1]
			if !pm.Network.Capabilities["portMappings"] {
				t.Errorf("portmap capabilities = %v, want portMappings", pm.Network.Capabilities)
			}
			var snat struct {
				SNAT *bool `json:"snat"`
			}
			if err := json.Unmarshal(pm.Bytes, &snat); err != nil || snat.SNAT == nil || !*snat.SNAT {
				t.Errorf("portmap snat not true in %s (err %v)", pm.Bytes, err)
			}
		})
	}
}

func TestNewWritesDefaultConfList(t *testing.T) {
	cfg := testConfig(t)
	cfg.PodCIDR, cfg.BridgeName = "10.67.9.0/24", "mkltest9"
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got := m.NetworkName(); got != DefaultNetworkName {
		t.Errorf("NetworkName() = %q, want %q", got, DefaultNetworkName)
	}
	want, err := defaultConfList(cfg.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(cfg.ConfDir, DefaultConfListFile))
	if err != nil {
		t.Fatalf("default conflist not written: %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("written conflist:\n%s\nwant:\n%s", got, want)
	}
	if names := dirNames(t, cfg.ConfDir); len(names) != 1 {
		t.Errorf("conf dir holds %v, want only %s (no temp files left)", names, DefaultConfListFile)
	}

	// A second start loads the file it wrote.
	if _, err := New(cfg); err != nil {
		t.Fatalf("New on the written conf dir: %v", err)
	}
	if names := dirNames(t, cfg.ConfDir); len(names) != 1 {
		t.Errorf("conf dir holds %v after a second New, want only %s", names, DefaultConfListFile)
	}
}

func TestNewLoadsExistingConf(t *testing.T) {
	conflist := func(name string) string {
		return `{"cniVersion":"1.0.0","name":"` + name + `","plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}`
	}
	conf := func(name string) string {
		return `{"cniVersion":"0.4.0","name":"` + name + `","type":"ptp"}`
	}
	tests := []struct {
		name        string
		files       map[string]string
		wantNetwork string
		wantPlugins []string
	}{
		{
			name:        "first conflist in sorted order",
			files:       map[string]string{"20-b.conflist": conflist("b"), "05-a.conflist": conflist("a")},
			wantNetwork: "a",
			wantPlugins: []string{"bridge", "portmap"},
		},
		{
			name:        "single-plugin conf sorts first",
			files:       map[string]string{"50-y.conflist": conflist("y"), "01-x.conf": conf("x")},
			wantNetwork: "x",
			wantPlugins: []string{"ptp"},
		},
		{
			name:        "json file, other files ignored",
			files:       map[string]string{"00-notes.txt": "not a config", "30-j.json": conf("j"), "99-z.conflist": conflist("z")},
			wantNetwork: "j",
			wantPlugins: []string{"ptp"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			writeFiles(t, cfg.ConfDir, tc.files)
			m, err := New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := m.NetworkName(); got != tc.wantNetwork {
				t.Errorf("NetworkName() = %q, want %q", got, tc.wantNetwork)
			}
			if got := strings.Join(pluginTypes(m.network), ","); got != strings.Join(tc.wantPlugins, ",") {
				t.Errorf("plugins = %s, want %v", got, tc.wantPlugins)
			}
			if _, err := os.Stat(filepath.Join(cfg.ConfDir, DefaultConfListFile)); !os.IsNotExist(err) {
				t.Errorf("default conflist written next to an existing config (stat err %v)", err)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{name: "CIDR does not parse", mutate: func(c *Config) { c.PodCIDR = "10.66.0.0/33" }, wantErr: "PodCIDR"},
		{name: "CIDR without mask", mutate: func(c *Config) { c.PodCIDR = "10.66.0.0" }, wantErr: "PodCIDR"},
		{name: "relative conf dir", mutate: func(c *Config) { c.ConfDir = "cni/net.d" }, wantErr: "ConfDir"},
		{name: "no cache dir", mutate: func(c *Config) { c.CacheDir = "" }, wantErr: "CacheDir"},
		{name: "relative IPAM dir", mutate: func(c *Config) { c.IPAMDataDir = "ipam" }, wantErr: "IPAMDataDir"},
		{name: "no plugin dirs", mutate: func(c *Config) { c.BinDirs = nil }, wantErr: "BinDirs"},
		{name: "relative plugin dir", mutate: func(c *Config) { c.BinDirs = append(c.BinDirs, "bin") }, wantErr: "BinDirs[1]"},
		{name: "bridge name too long", mutate: func(c *Config) { c.BridgeName = "mkl-bridge-too-long" }, wantErr: "BridgeName"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.mutate(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want one naming %s", err, tc.wantErr)
			}
			if filepath.IsAbs(cfg.ConfDir) {
				if names := dirNames(t, cfg.ConfDir); len(names) != 0 {
					t.Errorf("refused config still wrote %v", names)
				}
			}
		})
	}
}

func TestNewRefusesBrokenFirstConf(t *testing.T) {
	cfg := testConfig(t)
	writeFiles(t, cfg.ConfDir, map[string]string{"01-broken.conflist": `{"name": `})
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), "01-broken.conflist") {
		t.Fatalf("New error = %v, want one naming 01-broken.conflist", err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// dirNames lists dir; a missing dir is empty.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
