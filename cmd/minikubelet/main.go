// Command minikubelet is a single-node kubelet on containerd: `minikubelet run` turns the Pod
// manifests in a directory into running pods; the other subcommands inspect a running agent.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `minikubelet: run Kubernetes Pod manifests on one host, on containerd.

Usage:
  minikubelet run [flags]                       run the agent
  minikubelet get pods [NAME...] [-A|-n NS] [-o wide|json|yaml|name] [-w]
  minikubelet get errors                        list refused manifests
  minikubelet describe pod NAME [-n NS]         a pod, its containers and its events
  minikubelet logs POD [-c CONTAINER] [-n NS] [-f] [--previous] [--tail N] [--timestamps] [--since D]
  minikubelet exec POD [-c CONTAINER] [-n NS] [-i] [-t] -- COMMAND [ARGS...]
  minikubelet image import FILE...              import image archives (OCI layout or docker save)
  minikubelet image ls                          list images
  minikubelet install [--root DIR] [--prefix DIR] install as a systemd service
  minikubelet uninstall [--purge]               remove it (pods' data stays unless --purge)
  minikubelet version

The client commands talk to the agent's unix socket (--socket, default /run/minikubelet/minikubelet.sock).
Run 'minikubelet COMMAND --help' for a command's flags.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:])
	stop()
	var exit exitCode
	switch {
	case err == nil:
	case errors.As(err, &exit):
		os.Exit(int(exit))
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// exitCode ends the program with a status and no message (the message was printed already).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitCode(2)
	}
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:])
	case "get":
		return getCommand(ctx, args[1:])
	case "describe":
		return describeCommand(ctx, args[1:])
	case "logs", "log":
		return logsCommand(ctx, args[1:])
	case "exec":
		return execCommand(ctx, args[1:])
	case "image", "images":
		return imageCommand(ctx, args[1:])
	case "install":
		return installCommand(args[1:])
	case "uninstall":
		return uninstallCommand(args[1:])
	case "version", "--version":
		fmt.Println("minikubelet", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", args[0], usage)
		return exitCode(2)
	}
}
