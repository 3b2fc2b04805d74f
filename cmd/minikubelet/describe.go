package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/cli"
)

func describeCommand(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("describe", pflag.ContinueOnError)
	fs.SetInterspersed(true)
	client := clientFlags(fs)
	namespace := fs.StringP("namespace", "n", cli.DefaultNamespace, "namespace of the pod")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet describe pod NAME... [flags]\n\n%s", fs.FlagUsages())
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
	case "pod", "pods", "po":
	default:
		return fmt.Errorf("unknown resource %q: minikubelet can describe pods", rest[0])
	}
	names := rest[1:]
	if len(names) == 0 {
		return errors.New("you must specify the name of the pod to describe")
	}
	c := client()
	// Like kubectl, several pods are separated by a blank line and a missing one
	// does not stop the others.
	var errs []error
	printed := false
	for _, name := range names {
		var buf bytes.Buffer
		if err := cli.DescribePod(ctx, c, *namespace, name, time.Now(), &buf); err != nil {
			errs = append(errs, err)
			continue
		}
		if printed {
			fmt.Fprint(os.Stdout, "\n\n")
		}
		if _, err := buf.WriteTo(os.Stdout); err != nil {
			return fmt.Errorf("write description: %w", err)
		}
		printed = true
	}
	return errors.Join(errs...)
}
