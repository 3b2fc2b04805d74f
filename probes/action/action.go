// Package action runs a probe or a lifecycle hook once, as kubelet does (pkg/kubelet/prober,
// pkg/probe/{exec,http,tcp,grpc}, pkg/kubelet/lifecycle): exec inside the container; httpGet,
// tcpSocket and grpc from the agent to the pod; sleep. Probes and hooks share it.
package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
)

// Result is a probe's verdict.
type Result int

const (
	// Unknown: the probe could not run (kubelet's "probe errored"); kubelet throws it away.
	Unknown Result = iota
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	default:
		return "Unknown"
	}
}

// Execer runs a command inside a container; the containerd runtime implements it.
type Execer interface {
	// ExecSync returns the command's combined stdout+stderr (capped by the implementer) and exit
	// code. When the command outlives timeout it is killed and err wraps ErrExecTimeout.
	ExecSync(ctx context.Context, containerID string, cmd []string, timeout time.Duration) (output []byte, exitCode int, err error)
}

// ErrExecTimeout is what an Execer wraps when the command outlived its timeout.
var ErrExecTimeout = errors.New("command timed out")

// Target is where a probe or hook runs.
type Target struct {
	PodIP       string        // default host for httpGet, tcpSocket and grpc
	ContainerID string        // for exec
	Container   *v1.Container // for named ports and, in exec probes, $(VAR) from its env
	Exec        Execer
}

// maxProbeAttempts is how often kubelet runs a probe that errored (Unknown) before it gives up
// on this period.
const maxProbeAttempts = 3

// defaultTimeout is the probe timeout when timeoutSeconds is unset (the API's default).
const defaultTimeout = time.Second

// Probe runs p's handler once, bounded by p.TimeoutSeconds (default 1). The string is what kubelet
// puts in the "Unhealthy" event on failure (the exec command's output, "HTTP probe failed with
// statuscode: 500", "dial tcp 10.0.0.5:80: connect: connection refused", `service unhealthy
// (responded with "NOT_SERVING")`), the warning on a success that has one (kubelet's
// "ProbeWarning" event: "Probe terminated redirects, Response body: ..."), the reason on Unknown,
// else "".
//
// A run that errors (Unknown: a port name the container lacks, an exec that could not start) is
// tried again, up to 3 runs in all, as kubelet does.
func Probe(ctx context.Context, p *v1.Probe, t Target) (Result, string) {
	timeout := defaultTimeout
	if p.TimeoutSeconds > 0 {
		timeout = time.Duration(p.TimeoutSeconds) * time.Second
	}
	var (
		res Result
		msg string
	)
	for range maxProbeAttempts {
		res, msg = probeOnce(ctx, &p.ProbeHandler, t, timeout)
		if res != Unknown || ctx.Err() != nil {
			break
		}
	}
	return res, msg
}

func probeOnce(ctx context.Context, h *v1.ProbeHandler, t Target, timeout time.Duration) (Result, string) {
	switch {
	case h.Exec != nil:
		return execProbe(ctx, h.Exec, t, timeout)
	case h.HTTPGet != nil:
		return httpProbe(ctx, h.HTTPGet, t, timeout)
	case h.TCPSocket != nil:
		return tcpProbe(ctx, h.TCPSocket, t, timeout)
	case h.GRPC != nil:
		return grpcProbe(ctx, h.GRPC, t, timeout)
	default:
		return Unknown, "missing probe handler"
	}
}

// Hook runs a postStart or preStop handler (exec, httpGet, sleep) until it ends or ctx ends. Its
// error never holds the command's output or the response body, which may carry secrets. As in
// kubelet, an HTTP hook fails only when the request does (any status code is taken), and a
// tcpSocket hook, deprecated and never run, fails.
func Hook(ctx context.Context, h *v1.LifecycleHandler, t Target) error {
	switch {
	case h.Exec != nil:
		return execHook(ctx, h.Exec, t)
	case h.HTTPGet != nil:
		return httpHook(ctx, h.HTTPGet, t)
	case h.Sleep != nil:
		return sleepHook(ctx, h.Sleep.Seconds)
	case h.TCPSocket != nil:
		return errors.New("tcpSocket is not supported as a lifecycle handler")
	default:
		return errors.New("lifecycle handler has no action")
	}
}

// sleepHook waits the given seconds, or until ctx ends.
func sleepHook(ctx context.Context, seconds int64) error {
	timer := time.NewTimer(time.Duration(seconds) * time.Second)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sleep hook ended before %ds: %w", seconds, ctx.Err())
	}
}
