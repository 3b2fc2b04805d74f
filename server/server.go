// Package server serves the agent's read-only HTTP API on loopback: the pods
// with their status (the shape of kubelet's read-only port), each pod's events,
// the agent's health and the manifests it refused.
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
	Address string // default "127.0.0.1"
	Port    int    // 0 picks a free port (tests); the agent passes 10255
	// Profiling serves Go's /debug/pprof/ endpoints too.
	Profiling bool
	// Metrics is served at /metrics; nil serves no /metrics.
	Metrics prometheus.Gatherer
	Logger  *slog.Logger
}

// Server is the agent's HTTP API. Listen binds it, Serve runs it.
type Server struct {
	cfg     Config
	src     Source
	log     *slog.Logger
	handler http.Handler

	mu       sync.Mutex   // guards listener
	listener net.Listener // set by Listen, handed to the http.Server by Serve

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
	s.handler = s.newHandler()
	return s
}

// Handler returns the HTTP handler of every endpoint, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen binds the configured address and port, so that the caller learns of
// errors such as "address already in use" before it starts serving.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return errors.New("server: already listening")
	}
	if s.cfg.Port < 0 || s.cfg.Port > 65535 {
		return fmt.Errorf("server: invalid port %d", s.cfg.Port)
	}
	addr := net.JoinHostPort(s.cfg.Address, strconv.Itoa(s.cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	s.listener = ln
	return nil
}

// Addr reports the bound address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return nil
	}
	return s.listener.Addr()
}

// Serve serves until ctx ends, then shuts down gracefully, giving requests in
// flight a few seconds to finish. It calls Listen first if nobody has, and is
// called once per Server. It returns nil after a shutdown caused by ctx, else
// the error that stopped it.
func (s *Server) Serve(ctx context.Context) error {
	if s.Addr() == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	ln := s.listener
	s.mu.Unlock()

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { s.stoppingOnce.Do(func() { close(s.stopping) }) })
	s.log.Info("serving API", "address", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve returned on its own: the listener failed.
		return fmt.Errorf("server: serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	// ctx is done; shut down under a fresh context so requests in flight can finish.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if shutdownErr != nil {
		// Time ran out: drop the remaining connections.
		shutdownErr = errors.Join(shutdownErr, srv.Close())
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: serve on %s: %w", ln.Addr(), err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("server: shut down: %w", shutdownErr)
	}
	s.log.Info("API stopped", "address", ln.Addr().String())
	return nil
}
