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

// containerLoggerCommand is the hidden `minikubelet container-logger CONFIG` the shim runs for
// each container (cio.BinaryIO): it writes the container's stdout and stderr to its log file in
// the CRI format, rotating it, until both streams end.
func containerLoggerCommand(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s: want one argument, the encoded config, got %d", logs.LoggerCommand, len(args))
	}
	cfg, err := logs.ParseLoggerConfig(args[0])
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
