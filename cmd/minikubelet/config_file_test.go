package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFilePrecedence(t *testing.T) {
	file := writeConfig(t, `apiVersion: minikubelet.io/v1alpha1
kind: MinikubeletConfiguration
staticPodPath: /etc/pods
readOnlyPort: 10266
address: 127.0.0.2
podCIDR: 10.77.0.0/16
fileCheckFrequency: 5s
containerRuntimeEndpoint: unix:///run/other/containerd.sock
enableProfilingHandler: true
cniBinDirs: [/opt/a, bin]
rootDir: state
logging: {format: json, level: debug}
`)
	dir := filepath.Dir(file)
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, f runFlags)
	}{
		{
			name: "the file sets what no flag sets",
			args: []string{"--config", file},
			check: func(t *testing.T, f runFlags) {
				want := runFlags{ManifestDir: "/etc/pods", ReadOnlyPort: 10266, Address: "127.0.0.2", PodCIDR: "10.77.0.0/16",
					FileCheck: 5 * time.Second, ContainerdAddress: "/run/other/containerd.sock", Profiling: true,
					LogFormat: "json", LogLevel: "debug", RootDir: filepath.Join(dir, "state")}
				got := runFlags{ManifestDir: f.ManifestDir, ReadOnlyPort: f.ReadOnlyPort, Address: f.Address, PodCIDR: f.PodCIDR,
					FileCheck: f.FileCheck, ContainerdAddress: f.ContainerdAddress, Profiling: f.Profiling,
					LogFormat: f.LogFormat, LogLevel: f.LogLevel, RootDir: f.RootDir}
				if !equalFlags(got, want) {
					t.Errorf("got  %+v\nwant %+v", got, want)
				}
				if !slices.Equal(f.CNIBinDirs, []string{"/opt/a", filepath.Join(dir, "bin")}) {
					t.Errorf("cniBinDirs %v: relative paths are relative to the file", f.CNIBinDirs)
				}
				if f.ImagesDir != filepath.Join(dir, "state", "images") {
					t.Errorf("images dir %q follows the root dir from the file", f.ImagesDir)
				}
			},
		},
		{
			name: "flags on the command line win, before or after --config",
			args: []string{"--read-only-port", "1234", "--config", file, "--log-format=text", "--profiling=false"},
			check: func(t *testing.T, f runFlags) {
				if f.ReadOnlyPort != 1234 || f.LogFormat != "text" || f.Profiling {
					t.Errorf("port %d format %q profiling %v: the command line must win", f.ReadOnlyPort, f.LogFormat, f.Profiling)
				}
				if f.Address != "127.0.0.2" || f.LogLevel != "debug" {
					t.Errorf("address %q level %q: the file still sets the rest", f.Address, f.LogLevel)
				}
			},
		},
		{
			name: "a flag given its default value still wins",
			args: []string{"--config", file, "--read-only-port", "10255"},
			check: func(t *testing.T, f runFlags) {
				if f.ReadOnlyPort != 10255 {
					t.Errorf("port %d, want the command line's 10255", f.ReadOnlyPort)
				}
			},
		},
		{
			name: "without --config the defaults hold",
			args: nil,
			check: func(t *testing.T, f runFlags) {
				if f.ReadOnlyPort != 10255 || f.LogFormat != "text" || f.ContainerdAddress != defaultContainerdAddress {
					t.Errorf("defaults changed: %+v", f)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseRunFlags(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}

func equalFlags(a, b runFlags) bool {
	a.CNIBinDirs, b.CNIBinDirs = nil, nil
	return a.ManifestDir == b.ManifestDir && a.ReadOnlyPort == b.ReadOnlyPort && a.Address == b.Address &&
		a.PodCIDR == b.PodCIDR && a.FileCheck == b.FileCheck && a.ContainerdAddress == b.ContainerdAddress &&
		a.Profiling == b.Profiling && a.LogFormat == b.LogFormat && a.LogLevel == b.LogLevel && a.RootDir == b.RootDir
}

func TestConfigFileRefusals(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{name: "unknown field", content: "staticPodPath: /x\nmaxPods: 10\n", want: []string{"config.yaml", `unknown field "maxPods"`}},
		{name: "unknown nested field", content: "logging: {format: json, verbosity: 4}\n", want: []string{`unknown field "logging.verbosity"`}},
		{name: "duplicate field", content: "address: a\naddress: b\n", want: []string{"config.yaml", "address"}},
		{name: "wrong type", content: "readOnlyPort: many\n", want: []string{"field readOnlyPort", "many"}},
		{name: "bad duration", content: "fileCheckFrequency: often\n", want: []string{"field fileCheckFrequency"}},
		{name: "foreign kind", content: "kind: KubeletConfiguration\n", want: []string{"kind is KubeletConfiguration"}},
		{name: "not YAML", content: "address: [\n", want: []string{"config.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRunFlags([]string{"--config", writeConfig(t, tt.content)})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := parseRunFlags([]string{"--config", "/nonexistent/config.yaml"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/config.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

// Every field of the table stands for a flag of `run`, and every flag has a field.
func TestConfigFieldsHaveFlags(t *testing.T) {
	fs := runFlagSet(&runFlags{})
	seen := map[string]bool{}
	for _, f := range configFields() {
		if seen[f.name] {
			t.Errorf("field %s twice", f.name)
		}
		seen[f.name] = true
		if fs.Lookup(f.flag) == nil {
			t.Errorf("field %s names --%s, which run does not have", f.name, f.flag)
		}
	}
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden || fl.Name == "config" {
			return
		}
		if !slices.ContainsFunc(configFields(), func(f configField) bool { return f.flag == fl.Name }) {
			t.Errorf("flag --%s has no config file field", fl.Name)
		}
	})
}
