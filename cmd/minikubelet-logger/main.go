// Command minikubelet-logger is the container log driver: containerd's runc shim runs it for each
// container (cio.BinaryIO) as `minikubelet-logger container-logger CONFIG`, with the container's
// stdout on fd 3, stderr on fd 4 and fd 5 to close once ready. It writes both streams to the
// container's log file in the CRI format, rotating it, until they end, so logs keep flowing while
// the agent is down. It is its own small program, not a subcommand of the agent, because one runs
// beside every container: it imports only the logs package, which keeps its private memory at a
// fifth of the agent binary's.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/minikubelet/minikubelet/logs"
)

// Descriptors containerd's runc shim hands its binary log driver.
const (
	loggerStdoutFD = 3
	loggerStderrFD = 4
	loggerReadyFD  = 5 // closed once the logger is ready
)

// loggerDrainTimeout bounds how long the logger keeps draining after the shim's SIGTERM; the shim
// itself kills it after 12 s.
const loggerDrainTimeout = 10 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "minikubelet-logger:", err)
		os.Exit(1)
	}
}

// run takes the arguments the shim builds from the log URI's query: the key, then its value.
func run(args []string) error {
	if len(args) != 2 || args[0] != logs.LoggerCommand {
		return fmt.Errorf("want the arguments %s CONFIG, got %q", logs.LoggerCommand, args)
	}
	cfg, err := logs.ParseLoggerConfig(args[1])
	if err != nil {
		return err
	}
	// The shim sends SIGTERM when the container's IO closes, which may be before the last lines
	// are read: keep draining until the pipes end, for a while.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-term
		time.Sleep(loggerDrainTimeout)
		os.Exit(0)
	}()
	stdout := os.NewFile(loggerStdoutFD, "stdout")
	stderr := os.NewFile(loggerStderrFD, "stderr")
	ready := os.NewFile(loggerReadyFD, "ready")
	return logs.RunLogger(cfg, stdout, stderr, func() { ready.Close() }, time.Now)
}
