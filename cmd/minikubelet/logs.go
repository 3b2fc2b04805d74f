package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/cli"
)

func logsCommand(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("logs", pflag.ContinueOnError)
	fs.SetInterspersed(true)
	client := clientFlags(fs)
	var opts cli.LogsOptions
	fs.StringVarP(&opts.Namespace, "namespace", "n", cli.DefaultNamespace, "namespace of the pod")
	fs.StringVarP(&opts.Container, "container", "c", "", "container to read (default: the pod's only container)")
	fs.BoolVarP(&opts.Follow, "follow", "f", false, "stream new lines until the container stops")
	fs.BoolVarP(&opts.Previous, "previous", "p", false, "the previous, terminated instance of the container")
	fs.BoolVar(&opts.Timestamps, "timestamps", false, "start each line with its RFC 3339 timestamp")
	fs.Int64Var(&opts.TailLines, "tail", -1, "only the last lines (-1: every line)")
	fs.DurationVar(&opts.Since, "since", 0, "only lines newer than this duration (5s, 2m, 3h)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet logs POD [-c CONTAINER] [flags]\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil
		}
		return exitCode(2)
	}
	rest := fs.Args()
	if len(rest) > 0 && (rest[0] == "pod" || rest[0] == "pods" || rest[0] == "po") {
		rest = rest[1:] // kubectl accepts pod/NAME and "pod NAME" too
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitCode(2)
	}
	opts.Pod = rest[0]
	return cli.Logs(ctx, client(), opts, os.Stdout)
}
