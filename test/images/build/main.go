// Command build writes the offline busybox test image archive:
//
//	go run ./test/images/build -o DIR [--busybox /bin/busybox]
//
// DIR/busybox.tar then holds docker.io/library/busybox:1.35 and docker.io/library/busybox:latest,
// built from the static busybox binary. DIR is created if needed and the archive is replaced
// atomically, so a directory watcher never sees half of it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/images"
)

// archiveName is the file written into the output directory.
const archiveName = "busybox.tar"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "build:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("build", flag.ContinueOnError)
	flags.SetOutput(stderr)
	outDir := flags.String("o", "", "directory to write "+archiveName+" into (created if needed)")
	busybox := flags.String("busybox", images.DefaultBusybox, "static busybox binary to build from")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *outDir == "" {
		return errors.New("-o DIR is required")
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	names := []string{images.BusyboxImage, images.BusyboxLatest}
	imgs, err := images.Busybox(*busybox, names...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	path := filepath.Join(*outDir, archiveName)
	if err := ociimage.WriteArchiveFile(path, imgs...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s with %v\n", path, names)
	return nil
}
