package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// The config file's own type, since it is not a KubeletConfiguration (it has fields kubelet has
// not, and lacks most of kubelet's); its field names are KubeletConfiguration's where they exist.
const (
	configAPIVersion = "minikubelet.io/v1alpha1"
	configKind       = "MinikubeletConfiguration"
)

// configField is one field of the config file and the `run` flag it stands for.
type configField struct {
	name string // the field, "logging.format" for a nested one
	flag string
	path bool // a relative path is relative to the config file's directory, as kubelet reads it
}

// configFields is the one table from config file fields to flags: kubelet's KubeletConfiguration
// names where kubelet has the setting, else the flag's name in camel case.
func configFields() []configField {
	return []configField{
		{name: "staticPodPath", flag: "pod-manifest-path", path: true},
		{name: "fileCheckFrequency", flag: "file-check-frequency"},
		{name: "address", flag: "address"},
		{name: "readOnlyPort", flag: "read-only-port"},
		{name: "podCIDR", flag: "pod-cidr"},
		{name: "containerRuntimeEndpoint", flag: "containerd-address"},
		{name: "enableProfilingHandler", flag: "profiling"},
		{name: "containerLogMaxSize", flag: "container-log-max-size"},
		{name: "containerLogMaxFiles", flag: "container-log-max-files"},
		{name: "podLogsDir", flag: "pod-logs-dir", path: true},
		{name: "logging.format", flag: "log-format"},
		{name: "logging.level", flag: "log-level"},
		{name: "cgroupRoot", flag: "cgroup-root"},
		// No KubeletConfiguration field: kubelet has these as flags only, or not at all.
		{name: "rootDir", flag: "root-dir", path: true},
		{name: "nodeName", flag: "node-name"},
		{name: "containerdNamespace", flag: "containerd-namespace"},
		{name: "imagesDir", flag: "images-dir", path: true},
		{name: "cniConfDir", flag: "cni-conf-dir", path: true},
		{name: "cniBinDirs", flag: "cni-bin-dir", path: true},
		{name: "cniTimeout", flag: "cni-timeout"},
		{name: "bridgeName", flag: "bridge-name"},
		{name: "pauseBinary", flag: "pause-binary", path: true},
		{name: "containerLogger", flag: "container-logger", path: true},
		{name: "stopPodsOnExit", flag: "stop-pods-on-exit"},
		{name: "socket", flag: "socket", path: true},
		{name: "authenticationTokenFile", flag: "authentication-token-file", path: true},
		{name: "insecureManifests", flag: "insecure-manifests"},
		{name: "allowedHostPaths", flag: "allowed-host-paths", path: true},
	}
}

// applyConfigFile sets each flag that the file names and the command line did not: flags given on
// the command line win. Unknown fields are refused, naming the file and the field.
func applyConfigFile(fs *pflag.FlagSet, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	values, err := decodeConfig(data)
	if err != nil {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	dir := filepath.Dir(file)
	for _, f := range configFields() {
		v, ok := values[f.name]
		if !ok {
			continue
		}
		flag := fs.Lookup(f.flag)
		if flag == nil {
			return fmt.Errorf("config file %s: field %s: not supported by this build (no --%s)", file, f.name, f.flag)
		}
		if flag.Changed {
			continue
		}
		s, err := configValue(v, f.path, dir)
		if err != nil {
			return fmt.Errorf("config file %s: field %s: %w", file, f.name, err)
		}
		if err := fs.Set(f.flag, s); err != nil {
			return fmt.Errorf("config file %s: field %s: %w", file, f.name, err)
		}
	}
	return nil
}

// decodeConfig reads the YAML (or JSON) document into field values keyed as in configFields,
// refusing duplicate and unknown fields and a foreign apiVersion or kind.
func decodeConfig(data []byte) (map[string]any, error) {
	var doc map[string]any
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, f := range configFields() {
		known[f.name] = true
	}
	out := map[string]any{}
	var unknown []string
	for key, v := range doc {
		switch key {
		case "apiVersion", "kind":
			want := map[string]string{"apiVersion": configAPIVersion, "kind": configKind}[key]
			if v != want {
				return nil, fmt.Errorf("%s is %v, want %s", key, v, want)
			}
			continue
		case "logging":
			nested, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("field logging: want an object with format and level")
			}
			for k, nv := range nested {
				if !known["logging."+k] {
					unknown = append(unknown, "logging."+k)
					continue
				}
				out["logging."+k] = nv
			}
			continue
		}
		if !known[key] {
			unknown = append(unknown, key)
			continue
		}
		out[key] = v
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("unknown field %s", strings.Join(quoteAll(unknown), ", "))
	}
	return out, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// configValue renders a decoded YAML value as the flag's text; the flag parses and checks it.
func configValue(v any, isPath bool, dir string) (string, error) {
	resolve := func(s string) string {
		if isPath && s != "" && !filepath.IsAbs(s) {
			return filepath.Join(dir, s)
		}
		return s
	}
	switch v := v.(type) {
	case string:
		return resolve(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64: // JSON numbers
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("want a list of strings, got %v", e)
			}
			if strings.Contains(s, ",") {
				return "", fmt.Errorf("%q: a list element cannot hold a comma", s)
			}
			parts[i] = resolve(s)
		}
		return strings.Join(parts, ","), nil
	case nil:
		return "", fmt.Errorf("no value")
	default:
		return "", fmt.Errorf("unexpected value %v (%T)", v, v)
	}
}
