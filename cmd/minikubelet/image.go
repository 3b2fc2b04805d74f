package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/runtime/containerd"
)

func imageCommand(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("image", pflag.ContinueOnError)
	address := fs.String("containerd-address", defaultContainerdAddress, "containerd's socket")
	namespace := fs.String("containerd-namespace", defaultNamespace, "containerd namespace of the agent")
	root := fs.String("root-dir", defaultRootDir, "the agent's root directory (to find its own containerd)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet image import FILE... | minikubelet image ls\n\n%s", fs.FlagUsages())
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
	addr := *address
	if !containerd.Answers(addr) {
		if own := containerd.OwnAddress(*root); containerd.Answers(own) {
			addr = own
		}
	}
	rt, err := containerd.Connect(ctx, containerd.Config{Address: addr, Namespace: *namespace})
	if err != nil {
		return err
	}
	defer rt.Close()
	switch rest[0] {
	case "import", "load":
		if len(rest) < 2 {
			return fmt.Errorf("image import needs at least one FILE")
		}
		for _, file := range rest[1:] {
			names, err := rt.ImportArchive(ctx, file)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Printf("imported %s\n", n)
			}
		}
		return nil
	case "ls", "list":
		imgs, err := rt.ListImages(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "IMAGE\tDIGEST\tSIZE")
		for _, img := range imgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", img.Name, shortDigest(img.Digest), humanSize(img.Size))
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown image command %q", rest[0])
	}
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
