package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/cli"
)

func getCommand(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("get", pflag.ContinueOnError)
	fs.SetInterspersed(true)
	client := clientFlags(fs)
	namespace := fs.StringP("namespace", "n", cli.DefaultNamespace, "namespace to list")
	all := fs.BoolP("all-namespaces", "A", false, "list pods of every namespace")
	output := fs.StringP("output", "o", "", "output format: wide, json, yaml or name")
	watch := fs.BoolP("watch", "w", false, "after listing, print a line for each change, until interrupted")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet get pods [NAME...] [flags] | minikubelet get errors\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil
		}
		return exitCode(2)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return exitCode(2)
	}
	switch rest[0] {
	case "pods", "pod", "po":
		return cli.GetPods(ctx, client(), cli.GetPodsOptions{
			Names: rest[1:], Namespace: *namespace, AllNamespaces: *all, Output: *output, Now: time.Now(), Watch: *watch,
		}, os.Stdout, os.Stderr)
	case "errors", "error":
		return cli.GetErrors(ctx, client(), os.Stdout)
	default:
		return fmt.Errorf("unknown resource %q: minikubelet can get pods and errors", rest[0])
	}
}
