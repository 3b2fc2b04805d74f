package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/minikubelet/minikubelet/logs"
	"github.com/minikubelet/minikubelet/network"
	"github.com/minikubelet/minikubelet/server"
)

const (
	defaultRootDir           = "/var/lib/minikubelet"
	defaultContainerdAddress = "/run/containerd/containerd.sock"
	defaultNamespace         = "minikubelet"
)

// runFlags are `minikubelet run`'s flags, kubelet's names where kubelet has one.
type runFlags struct {
	Config            string
	ManifestDir       string
	RootDir           string
	ContainerdAddress string
	ContainerdNamed   bool // the address was given (flag or config file): wait for it, never run our own
	Namespace         string
	Address           string
	ReadOnlyPort      int
	NodeName          string
	ImagesDir         string
	CNIConfDir        string
	CNIBinDirs        []string
	CNITimeout        time.Duration
	PodCIDR           string
	BridgeName        string
	PauseBinary       string
	LoggerBinary      string
	FileCheck         time.Duration
	LogLevel          string
	LogFormat         string
	StopPodsOnExit    bool
	Profiling         bool
	RestartBackoff    time.Duration
	PodLogsDir        string
	LogMaxSize        string
	LogMaxSizeBytes   int64 // LogMaxSize parsed
	LogMaxFiles       int
	Socket            string
	CgroupRoot        string
	TokenFile         string
	InsecureManifests bool
	AllowedHostPaths  []string
}

func parseRunFlags(args []string) (runFlags, error) {
	var f runFlags
	fs := runFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("run takes no arguments, got %q", fs.Args())
	}
	if f.Config != "" {
		if err := applyConfigFile(fs, f.Config); err != nil {
			return f, err
		}
	}
	f.ContainerdNamed = fs.Changed("containerd-address")
	// kubelet's containerRuntimeEndpoint is a URL; the flag is a path. Accept both.
	f.ContainerdAddress = strings.TrimPrefix(f.ContainerdAddress, "unix://")
	var err error
	if f.RootDir, err = filepath.Abs(f.RootDir); err != nil {
		return f, err
	}
	if f.ManifestDir, err = filepath.Abs(f.ManifestDir); err != nil {
		return f, err
	}
	if f.ImagesDir == "" {
		f.ImagesDir = filepath.Join(f.RootDir, "images")
	}
	if f.CNIConfDir == "" {
		f.CNIConfDir = filepath.Join(f.RootDir, "cni", "net.d")
	}
	if f.PodLogsDir == "" {
		f.PodLogsDir = filepath.Join(f.RootDir, "logs")
	}
	if f.PodLogsDir, err = filepath.Abs(f.PodLogsDir); err != nil {
		return f, err
	}
	if f.Socket, err = filepath.Abs(f.Socket); err != nil {
		return f, err
	}
	q, err := resource.ParseQuantity(f.LogMaxSize)
	if err != nil {
		return f, fmt.Errorf("--container-log-max-size %q: %w", f.LogMaxSize, err)
	}
	if f.LogMaxSizeBytes = q.Value(); f.LogMaxSizeBytes <= 0 {
		return f, fmt.Errorf("--container-log-max-size %q: must be positive", f.LogMaxSize)
	}
	if err := server.CheckAddress(f.Address, f.TokenFile != ""); err != nil {
		return f, fmt.Errorf("--address: %w", err)
	}
	for i, p := range f.AllowedHostPaths {
		if !filepath.IsAbs(p) {
			return f, fmt.Errorf("--allowed-host-paths %q: want absolute paths", p)
		}
		f.AllowedHostPaths[i] = filepath.Clean(p)
	}
	if f.LogMaxFiles < 2 {
		return f, fmt.Errorf("--container-log-max-files %d: must be at least 2", f.LogMaxFiles)
	}
	return f, nil
}

// runFlagSet defines `run`'s flags on f. configFields maps the config file onto them.
func runFlagSet(f *runFlags) *pflag.FlagSet {
	host, _ := os.Hostname()
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.StringVar(&f.Config, "config", "", "YAML config file with the same settings as these flags (KubeletConfiguration's names); flags given on the command line override it")
	fs.StringVar(&f.ManifestDir, "pod-manifest-path", "/etc/minikubelet/manifests", "directory of Pod manifests (*.yaml, *.yml, *.json)")
	fs.StringVar(&f.RootDir, "root-dir", defaultRootDir, "directory for the agent's state")
	fs.StringVar(&f.ContainerdAddress, "containerd-address", defaultContainerdAddress, "containerd's socket; given, the agent waits for it to answer; left at its default, if nothing answers there, the agent runs its own containerd under --root-dir")
	fs.StringVar(&f.Namespace, "containerd-namespace", defaultNamespace, "containerd namespace for everything the agent creates")
	fs.StringVar(&f.Address, "address", "127.0.0.1", "IP address the HTTP API listens on")
	fs.IntVar(&f.ReadOnlyPort, "read-only-port", 10255, "port of the read-only HTTP API (/pods, /healthz, /metrics)")
	fs.StringVar(&f.Socket, "socket", server.DefaultSocket, "unix socket of the full API (logs, exec, events, errors), root only")
	fs.StringVar(&f.PodLogsDir, "pod-logs-dir", "", "directory of container logs, NAMESPACE_NAME_UID/CONTAINER/N.log (default ROOT/logs)")
	fs.StringVar(&f.LogMaxSize, "container-log-max-size", "10Mi", "size at which a container's log file is rotated")
	fs.IntVar(&f.LogMaxFiles, "container-log-max-files", logs.DefaultMaxFiles, "log files kept per container, the current one included (at least 2)")
	fs.StringVar(&f.NodeName, "node-name", host, "name of this node, as pods see it in spec.nodeName")
	fs.StringVar(&f.ImagesDir, "images-dir", "", "directory of image archives to import (default ROOT/images)")
	fs.StringVar(&f.CNIConfDir, "cni-conf-dir", "", "CNI config directory; a default config is written if it has none (default ROOT/cni/net.d)")
	fs.StringSliceVar(&f.CNIBinDirs, "cni-bin-dir", []string{"/opt/cni/bin", "/usr/lib/cni"}, "directories of CNI plugins")
	fs.DurationVar(&f.CNITimeout, "cni-timeout", network.DefaultSetupTimeout, "how long a pod's CNI ADDs may take; a plugin still running then is killed, its work undone, and the sandbox retried")
	fs.StringVar(&f.PodCIDR, "pod-cidr", "10.66.0.0/16", "pod IP range of the default CNI config")
	fs.StringVar(&f.BridgeName, "bridge-name", "mkl0", "bridge of the default CNI config")
	fs.StringVar(&f.LoggerBinary, "container-logger", "", "the container log driver program containerd's shim runs beside each container (default: 'minikubelet-logger', found as the pause program is)")
	fs.StringVar(&f.PauseBinary, "pause-binary", "", "the pause program for pod sandboxes (default: 'pause' next to this binary, then ../lib/minikubelet/pause from it, then /usr/lib/minikubelet/pause)")
	fs.DurationVar(&f.FileCheck, "file-check-frequency", 20*time.Second, "how often the manifest directory is fully re-read besides watching it")
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.LogFormat, "log-format", "text", "text or json (structured either way; no timestamps of our own under journald)")
	fs.StringVar(&f.TokenFile, "authentication-token-file", "", "file holding the bearer token every request to the TCP port must carry (mode 0600); needed for an --address other than loopback")
	fs.BoolVar(&f.InsecureManifests, "insecure-manifests", false, "read manifest files that group or others can write, or that a user other than root owns (refused by default: a manifest runs pods as root)")
	fs.StringSliceVar(&f.AllowedHostPaths, "allowed-host-paths", nil, "if set, hostPath volumes must lie under one of these host directories, reached without a symlink leading out of it; others are refused")
	fs.BoolVar(&f.Profiling, "profiling", false, "serve Go's /debug/pprof/ on the unix socket")
	fs.BoolVar(&f.StopPodsOnExit, "stop-pods-on-exit", false, "on SIGTERM/SIGINT, stop and remove every pod gracefully before exiting (default: leave them running)")
	fs.StringVar(&f.CgroupRoot, "cgroup-root", "/", "cgroup under which the kubepods cgroup and the pod cgroups are made")
	fs.DurationVar(&f.RestartBackoff, "container-restart-backoff", 10*time.Second, "first container restart back-off (cap 30x, reset after 60x); for tests")
	_ = fs.MarkHidden("container-restart-backoff")
	fs.Usage = func() { fmt.Fprintf(os.Stderr, "Usage: minikubelet run [flags]\n\n%s", fs.FlagUsages()) }
	return fs
}

func runCommand(ctx context.Context, args []string) error {
	f, err := parseRunFlags(args)
	if err != nil {
		if err == pflag.ErrHelp {
			return nil
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		return exitCode(2)
	}
	log, err := newLogger(os.Stderr, loggingOptions{
		Format: f.LogFormat, Level: f.LogLevel, Journal: stderrIsJournal(os.Getenv("JOURNAL_STREAM"), os.Stderr),
	})
	if err != nil {
		return err
	}
	routeLogrus(log, logLevel(log))
	if os.Getenv("GOGC") == "" {
		// A node agent should stay small: collect at 50% heap growth rather than Go's 100%. With
		// 100 pods this keeps RSS near 38 MiB instead of 44 for no measurable CPU.
		debug.SetGCPercent(50)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("minikubelet run must run as root (it creates namespaces, mounts and iptables rules)")
	}
	return runAgent(ctx, f, log)
}

// findPauseBinary looks for the pause program.
func findPauseBinary(flag string) (string, error) {
	return findHelper(flag, "pause", "--pause-binary")
}

// findLoggerBinary looks for the container log driver program.
func findLoggerBinary(flag string) (string, error) {
	return findHelper(flag, "minikubelet-logger", "--container-logger")
}

// findHelper looks for one of the agent's helper programs: the flag, next to this binary (bin/ of
// a build), where `minikubelet install` puts it (../lib/minikubelet/), then /usr/lib/minikubelet.
// The path is absolute: containerd's shim runs the logger from another directory.
func findHelper(flag, name, flagName string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		for _, p := range []string{
			filepath.Join(filepath.Dir(exe), name),
			filepath.Join(filepath.Dir(exe), "..", "lib", "minikubelet", name),
		} {
			if _, err := os.Stat(p); err == nil {
				return filepath.Clean(p), nil
			}
			tried = append(tried, filepath.Clean(p))
		}
	}
	p := filepath.Join("/usr/lib/minikubelet", name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	tried = append(tried, p)
	return "", fmt.Errorf("no %s program found (tried %s); build it with 'make build' or pass %s", name, strings.Join(tried, ", "), flagName)
}
