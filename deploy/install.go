package deploy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/minikubelet/minikubelet/checkpoint"
)

// Options say what to install and where.
type Options struct {
	// Root is prepended to every path, for a staging tree or a test (default "/"). systemctl runs
	// only for the real root of a host running systemd.
	Root string
	// Prefix holds bin/minikubelet and lib/minikubelet/pause (default /usr/local).
	Prefix string
	// Binary, Pause and Logger are the programs to install.
	Binary, Pause, Logger string
	// Purge makes Uninstall remove the config, the manifests, the agent's state and the pod logs:
	// the pods' data.
	Purge bool
	// Out receives one line per step.
	Out io.Writer
}

func (o *Options) defaults() {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// at is a target path under Root.
func (o *Options) at(path string) string { return filepath.Join(o.Root, path) }

// systemd tells whether to drive systemctl: the real root of a host booted with systemd.
func (o *Options) systemd() bool {
	if filepath.Clean(o.Root) != "/" {
		return false
	}
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

// Install puts the binary, the pause program, the container logger, the unit, a default config (unless one exists) and
// the directories in place. Files are replaced atomically, so a running agent keeps its binary.
// It does not enable or start the service.
func Install(o Options) error {
	o.defaults()
	if o.Binary == "" || o.Pause == "" || o.Logger == "" {
		return errors.New("install: the minikubelet binary, the pause program and the container logger are all required")
	}
	l := newLayout(o.Prefix)
	unitText, err := unit(l.binary)
	if err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode fs.FileMode
	}{
		{ManifestDir, 0o755}, {StateDir, 0o700}, {PodLogsDir, 0o755},
	} {
		if err := os.MkdirAll(o.at(d.path), d.mode); err != nil {
			return fmt.Errorf("install: create %s: %w", d.path, err)
		}
		fmt.Fprintf(o.Out, "directory %s\n", o.at(d.path))
	}
	for _, f := range []struct {
		from, to string
	}{
		{o.Binary, l.binary}, {o.Pause, l.pause}, {o.Logger, l.logger},
	} {
		if err := copyFile(f.from, o.at(f.to), 0o755); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		fmt.Fprintf(o.Out, "installed %s\n", o.at(f.to))
	}
	if err := writeFile(o.at(UnitPath), []byte(unitText), 0o644); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	fmt.Fprintf(o.Out, "installed %s\n", o.at(UnitPath))
	switch _, err := os.Stat(o.at(ConfigPath)); {
	case err == nil:
		fmt.Fprintf(o.Out, "kept %s\n", o.at(ConfigPath))
	case errors.Is(err, fs.ErrNotExist):
		if err := writeFile(o.at(ConfigPath), []byte(defaultConfig(l)), 0o644); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		fmt.Fprintf(o.Out, "wrote %s\n", o.at(ConfigPath))
	default:
		return fmt.Errorf("install: %w", err)
	}
	if o.systemd() {
		if err := systemctl(o.Out, "daemon-reload"); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		fmt.Fprintln(o.Out, "start it with: systemctl enable --now minikubelet")
	}
	return nil
}

// Uninstall stops and disables the service (the pods keep running: KillMode=process), removes the
// programs and the unit, and with Purge the config, manifests, state and pod logs. Files already
// gone are no error.
func Uninstall(o Options) error {
	o.defaults()
	if o.Purge {
		// Checked before anything is removed, so the agent is still there to drain the pods.
		left, err := podsLeft(o.at(StateDir))
		if err != nil {
			return fmt.Errorf("uninstall --purge: %w", err)
		}
		if len(left) > 0 {
			return fmt.Errorf("uninstall --purge: pods still exist (%s%s): remove their manifests and wait for the agent to delete them, or stop the agent with --stop-pods-on-exit, then purge", left[0], more(len(left)-1))
		}
	}
	if o.systemd() {
		if err := systemctl(o.Out, "disable", "--now", unitBaseName); err != nil {
			fmt.Fprintf(o.Out, "warning: %v\n", err)
		}
	}
	l := newLayout(o.Prefix)
	remove := []string{UnitPath, l.binary, l.pause, l.logger}
	for _, p := range remove {
		if err := os.Remove(o.at(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("uninstall: %w", err)
		}
		fmt.Fprintf(o.Out, "removed %s\n", o.at(p))
	}
	// The lib directory is ours; remove it if nothing else was put there.
	if err := os.Remove(o.at(filepath.Dir(l.pause))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(o.Out, "kept %s: %v\n", o.at(filepath.Dir(l.pause)), err)
	}
	if o.systemd() {
		if err := systemctl(o.Out, "daemon-reload"); err != nil {
			fmt.Fprintf(o.Out, "warning: %v\n", err)
		}
	}
	data := []string{ConfigDir, StateDir, PodLogsDir}
	if !o.Purge {
		for _, p := range data {
			fmt.Fprintf(o.Out, "kept %s (--purge removes it)\n", o.at(p))
		}
		return nil
	}
	for _, p := range data {
		if err := os.RemoveAll(o.at(p)); err != nil {
			return fmt.Errorf("uninstall: remove %s: %w", p, err)
		}
		fmt.Fprintf(o.Out, "removed %s\n", o.at(p))
	}
	return nil
}

func more(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}

func systemctl(out io.Writer, args ...string) error {
	cmd := exec.Command("systemctl", args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("systemctl %v: %w", args, err)
	}
	return nil
}

// copyFile copies from to to with mode, through a temporary file renamed into place.
func copyFile(from, to string, mode fs.FileMode) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("read %s: %w", from, err)
	}
	return writeFile(to, data, mode)
}

// writeFile writes data to path atomically (checkpoint.WriteFile), creating parent directories.
func writeFile(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return checkpoint.WriteFile(path, data, mode)
}
