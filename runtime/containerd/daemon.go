package containerd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Answers reports whether something accepts connections on the unix socket at address.
func Answers(address string) bool {
	conn, err := net.DialTimeout("unix", address, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// DaemonConfig places a containerd of the agent's own under its root directory, as k3s does, for
// hosts where no containerd is running.
type DaemonConfig struct {
	Binary  string // containerd binary; default looked up in PATH
	RootDir string // the agent's root dir; containerd's root, state and config go below it
	Logger  *slog.Logger
}

// Daemon supervises a containerd child process.
type Daemon struct {
	cfg     DaemonConfig
	address string
}

// NewDaemon prepares the config of the agent's own containerd.
func NewDaemon(cfg DaemonConfig) (*Daemon, error) {
	if cfg.Binary == "" {
		p, err := exec.LookPath("containerd")
		if err != nil {
			return nil, fmt.Errorf("no containerd is running and none is installed: %w", err)
		}
		cfg.Binary = p
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Daemon{cfg: cfg, address: OwnAddress(cfg.RootDir)}, nil
}

// OwnAddress is the socket of the containerd the agent runs itself under rootDir.
func OwnAddress(rootDir string) string {
	return filepath.Join(rootDir, "containerd", "state", "containerd.sock")
}

// Address is the socket the child serves on.
func (d *Daemon) Address() string { return d.address }

func (d *Daemon) writeConfig() (string, error) {
	dir := filepath.Join(d.cfg.RootDir, "containerd")
	for _, sub := range []string{"root", "state"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o711); err != nil {
			return "", fmt.Errorf("create containerd dir: %w", err)
		}
	}
	// The CRI plugin is off: the agent is the kubelet and talks to containerd directly.
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), d.address)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return "", fmt.Errorf("write containerd config: %w", err)
	}
	return path, nil
}

// Run starts containerd and restarts it whenever it exits, until ctx ends; then it stops it with
// SIGTERM. Shims outlive it, so pods keep running. ready is closed once the socket first answers.
func (d *Daemon) Run(ctx context.Context, ready chan<- struct{}) error {
	config, err := d.writeConfig()
	if err != nil {
		return err
	}
	signalled := false
	backoff := time.Second
	for {
		cmd := exec.Command(d.cfg.Binary, "--config", config)
		logFile, err := os.OpenFile(filepath.Join(d.cfg.RootDir, "containerd", "containerd.log"),
			os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open containerd log: %w", err)
		}
		cmd.Stdout, cmd.Stderr = logFile, logFile
		// Its own process group: a ^C in the agent's terminal must not reach it first.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return fmt.Errorf("start containerd: %w", err)
		}
		d.cfg.Logger.Info("started containerd", "pid", cmd.Process.Pid, "address", d.address)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if !signalled {
			if d.waitReady(ctx, exited) {
				close(ready)
				signalled = true
			}
		}
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
			logFile.Close()
			return nil
		case err := <-exited:
			logFile.Close()
			d.cfg.Logger.Error("containerd exited; restarting", "err", err, "after", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (d *Daemon) waitReady(ctx context.Context, exited chan error) bool {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for {
		if Answers(d.address) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case err := <-exited:
			exited <- err // let Run see it too
			return false
		case <-deadline:
			d.cfg.Logger.Error("containerd did not answer within 60s", "address", d.address)
			return false
		case <-tick.C:
		}
	}
}
