package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/minikubelet/minikubelet/cli"
)

func execCommand(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("exec", pflag.ContinueOnError)
	fs.SetInterspersed(true)
	client := clientFlags(fs)
	opts := cli.ExecOptions{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	fs.StringVarP(&opts.Namespace, "namespace", "n", cli.DefaultNamespace, "namespace of the pod")
	fs.StringVarP(&opts.Container, "container", "c", "", "container to run in (default: the first)")
	fs.BoolVarP(&opts.Stdin, "stdin", "i", false, "pass stdin to the command")
	fs.BoolVarP(&opts.TTY, "tty", "t", false, "give the command a terminal")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: minikubelet exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]\n\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil
		}
		return exitCode(2)
	}
	rest := fs.Args()
	dash := fs.ArgsLenAtDash()
	if dash < 0 {
		dash = min(1, len(rest)) // the old form, POD COMMAND...
	}
	if dash != 1 || len(rest) < 2 {
		fs.Usage()
		return exitCode(2)
	}
	opts.Pod, opts.Command = rest[0], rest[1:]

	restore := func() {}
	if opts.TTY {
		var err error
		if restore, err = setupTerminal(&opts); err != nil {
			return err
		}
	}
	code, err := cli.Exec(ctx, client(), opts)
	restore() // before anything is printed
	if err != nil {
		return err
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "command terminated with exit code %d\n", code)
		return exitCode(code)
	}
	return nil
}

// setupTerminal puts a local terminal in raw mode (when stdin is one and -i is given) and follows
// its size with SIGWINCH. The remote terminal is allocated either way.
func setupTerminal(opts *cli.ExecOptions) (func(), error) {
	var undo []func()
	restore := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	outFD := int(os.Stdout.Fd())
	size := func() (cli.TerminalSize, bool) {
		w, h, err := term.GetSize(outFD)
		if err != nil {
			return cli.TerminalSize{}, false
		}
		return cli.TerminalSize{Width: uint16(w), Height: uint16(h)}, true
	}
	if s, ok := size(); ok {
		opts.Size = s
		resize := make(chan cli.TerminalSize, 1)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-winch:
					if s, ok := size(); ok {
						select {
						case <-resize: // the newest size wins
						default:
						}
						resize <- s
					}
				case <-done:
					return
				}
			}
		}()
		opts.Resize = resize
		undo = append(undo, func() { signal.Stop(winch); close(done) })
	}
	inFD := int(os.Stdin.Fd())
	if opts.Stdin && term.IsTerminal(inFD) {
		state, err := term.MakeRaw(inFD)
		if err != nil {
			restore()
			return nil, fmt.Errorf("put the terminal in raw mode: %w", err)
		}
		undo = append(undo, func() { _ = term.Restore(inFD, state) })
	}
	return restore, nil
}
