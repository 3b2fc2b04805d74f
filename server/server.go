// Package server serves the agent's HTTP API on two listeners:
//
//   - loopback TCP (--read-only-port): only what kubelet's read-only port serves, the pods with
//     their status and /healthz (see registerReadOnly); another address only with a bearer
//     token every request must carry (--authentication-token-file);
//   - a unix socket (--socket, mode 0600, root only): everything, that is the read-only endpoints
//     plus what can carry secrets: each pod's events, the manifests refused, container logs, exec,
//     and pprof with --profiling (see newFullHandler).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/manifest"
)

// DefaultAddress is the address the server binds when Config.Address is empty.
const DefaultAddress = "127.0.0.1"

// DefaultSocket is the unix socket of the full API.
const DefaultSocket = "/run/minikubelet/minikubelet.sock"

// Timeouts of the http.Server; the API answers from memory, so they are short.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 5 * time.Second
)

// Source is what the agent gives the server.
type Source interface {
	// Pods returns deep copies of the pods with their status, safe to encode.
	Pods() []v1.Pod
	// PodEvents returns copies of the recent events of the named pod, or false
	// when there is no such pod.
	PodEvents(namespace, name string) (*v1.EventList, bool)
	// ManifestErrors returns the refused manifests.
	ManifestErrors() []manifest.FileError
	// Healthy returns nil when the agent is healthy, else the reason.
	Healthy(ctx context.Context) error
}

// Config configures a Server.
type Config struct {
	Address string // default "127.0.0.1"; anything but loopback needs Token
	// Token, when set, is the bearer token every request to the TCP port must carry. The socket
	// needs none: only root can connect to it.
	Token string
	Port  int // 0 picks a free port (tests); the agent passes 10255
	// Socket is the path of the unix socket serving the full API; empty serves none (tests).
	Socket string
	// Profiling serves Go's /debug/pprof/ endpoints too, on the socket.
	Profiling bool
	// Metrics is served at /metrics; nil serves no /metrics.
	Metrics prometheus.Gatherer
	// LogDir is the pod logs directory (logs.ContainerPath) /containerLogs reads.
	LogDir string
	// Exec runs exec sessions; nil refuses them.
	Exec   Execer
	Logger *slog.Logger
}

// Server is the agent's HTTP API. Listen binds it, Serve runs it.
type Server struct {
	cfg      Config
	src      Source
	log      *slog.Logger
	readOnly http.Handler // the TCP port's
	full     http.Handler // the socket's

	mu     sync.Mutex   // guards tcp and socket
	tcp    net.Listener // set by Listen, handed to an http.Server by Serve
	socket net.Listener // likewise; nil without Config.Socket

	// stopping is closed when Serve begins to shut down, ending streams (watches) that a graceful
	// shutdown would otherwise wait for.
	stopping     chan struct{}
	stoppingOnce sync.Once
}

// New returns a Server answering from src. It binds nothing until Listen.
func New(cfg Config, src Source) *Server {
	if cfg.Address == "" {
		cfg.Address = DefaultAddress
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, src: src, log: cfg.Logger.With("component", "server"), stopping: make(chan struct{})}
	s.readOnly = limitBody(s.newReadOnlyHandler())
	if cfg.Token != "" {
		s.readOnly = requireToken(cfg.Token, s.readOnly)
	}
	s.full = limitBody(s.newFullHandler())
	return s
}

// Handler returns the HTTP handler of every endpoint (the socket's), for tests and embedding.
func (s *Server) Handler() http.Handler { return s.full }

// ReadOnlyHandler returns the handler of the TCP port: kubelet's read-only endpoints only.
func (s *Server) ReadOnlyHandler() http.Handler { return s.readOnly }

// Listen binds the configured address and port, and the socket, so that the caller learns of
// errors such as "address already in use" before it starts serving.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcp != nil {
		return errors.New("server: already listening")
	}
	if s.cfg.Port < 0 || s.cfg.Port > 65535 {
		return fmt.Errorf("server: invalid port %d", s.cfg.Port)
	}
	if err := CheckAddress(s.cfg.Address, s.cfg.Token != ""); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	addr := net.JoinHostPort(s.cfg.Address, strconv.Itoa(s.cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	if s.cfg.Socket != "" {
		sock, err := listenSocket(s.cfg.Socket)
		if err != nil {
			ln.Close()
			return err
		}
		s.socket = sock
	}
	s.tcp = ln
	return nil
}

// Addr reports the bound TCP address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr()
}

// Serve serves until ctx ends, then shuts down gracefully, giving requests in
// flight a few seconds to finish (followers of logs and exec sessions are cut).
// It calls Listen first if nobody has, and is called once per Server. It
// returns nil after a shutdown caused by ctx, else the error that stopped it.
func (s *Server) Serve(ctx context.Context) error {
	if s.Addr() == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	tcp, socket := s.tcp, s.socket
	s.mu.Unlock()

	errorLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	servers := []*http.Server{{
		Handler:           s.readOnly,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog,
	}}
	listeners := []net.Listener{tcp}
	if socket != nil {
		// No read or write timeout: logs are followed and exec sessions last as long as they do.
		servers = append(servers, &http.Server{
			Handler:           s.full,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          errorLog,
			BaseContext:       func(net.Listener) context.Context { return ctx },
		})
		listeners = append(listeners, socket)
	}
	for _, srv := range servers {
		srv.RegisterOnShutdown(func() { s.stoppingOnce.Do(func() { close(s.stopping) }) })
	}
	served := make(chan error, len(servers))
	for i, srv := range servers {
		s.log.Info("serving API", "address", listeners[i].Addr().String())
		go func() {
			err := srv.Serve(listeners[i])
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				err = fmt.Errorf("server: serve on %s: %w", listeners[i].Addr(), err)
			} else {
				err = nil
			}
			served <- err
		}()
	}

	var serveErr error
	select {
	case serveErr = <-served:
		// A server returned on its own: its listener failed. Stop the other too.
		if serveErr == nil {
			serveErr = errors.New("server: stopped on its own")
		}
	case <-ctx.Done():
	}

	// Shut down under a fresh context so requests in flight can finish.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	var shutdownErrs []error
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			// Time ran out: drop the remaining connections.
			shutdownErrs = append(shutdownErrs, err, srv.Close())
		}
	}
	remaining := len(servers)
	if serveErr != nil {
		remaining--
	}
	for range remaining {
		if err := <-served; err != nil && serveErr == nil {
			serveErr = err
		}
	}
	if serveErr != nil {
		return serveErr
	}
	if err := errors.Join(shutdownErrs...); err != nil {
		return fmt.Errorf("server: shut down: %w", err)
	}
	s.log.Info("API stopped", "address", tcp.Addr().String())
	return nil
}
