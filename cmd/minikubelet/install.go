package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/deploy"
)

// installCommand is `minikubelet install`: this binary, the pause program, the container logger, the systemd unit, a
// default config and the directories.
func installCommand(args []string) error {
	fs := pflag.NewFlagSet("install", pflag.ContinueOnError)
	opts := deploy.Options{Out: os.Stdout}
	fs.StringVar(&opts.Root, "root", "/", "install under this directory instead of / (a staging tree)")
	fs.StringVar(&opts.Prefix, "prefix", deploy.DefaultPrefix, "PREFIX/bin/minikubelet, PREFIX/lib/minikubelet/{pause,minikubelet-logger}")
	pause := fs.String("pause-binary", "", "the pause program to install (default: found as 'run' finds it)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet install [flags]\n\nInstalls minikubelet as a systemd service; start it with 'systemctl enable --now minikubelet'.\n\n%s", fs.FlagUsages())
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("install: find this binary: %w", err)
	}
	if opts.Pause, err = findPauseBinary(*pause); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if opts.Logger, err = findLoggerBinary(""); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	opts.Binary = exe
	return deploy.Install(opts)
}

// uninstallCommand is `minikubelet uninstall`: the service stops (its pods keep running) and the
// programs and unit go; the config, manifests, state and pod logs stay unless --purge.
func uninstallCommand(args []string) error {
	fs := pflag.NewFlagSet("uninstall", pflag.ContinueOnError)
	opts := deploy.Options{Out: os.Stdout}
	fs.StringVar(&opts.Root, "root", "/", "uninstall from under this directory instead of /")
	fs.StringVar(&opts.Prefix, "prefix", deploy.DefaultPrefix, "the prefix given to install")
	fs.BoolVar(&opts.Purge, "purge", false, "also remove the config, the manifests, the agent's state and the pod logs (stop the pods first)")
	fs.Usage = func() { fmt.Fprintf(os.Stderr, "Usage: minikubelet uninstall [flags]\n\n%s", fs.FlagUsages()) }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return deploy.Uninstall(opts)
}

// parseFlags parses a subcommand's flags that take no arguments; help is no error.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return exitCode(0)
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", fs.Name(), fs.Args())
	}
	return nil
}
