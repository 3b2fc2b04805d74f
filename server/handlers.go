package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/minikubelet/minikubelet/manifest"
)

// ErrorList is the body of /errors.
type ErrorList struct {
	Items []manifest.FileError `json:"items"`
}

// Routing. Patterns with GET also answer HEAD; a mux answers other methods with 405 and unknown
// paths with 404, so the TCP port answers 404 for everything only the socket serves.

// registerReadOnly adds what kubelet's read-only port serves: the pods with status and the
// agent's health. It is the one place for endpoints that are safe on the unauthenticated TCP
// port (/metrics belongs here); both listeners serve them.
func (s *Server) registerReadOnly(mux *http.ServeMux) {
	mux.HandleFunc("GET /pods", s.handlePods)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", metricsHandler(s.cfg.Metrics, s.log))
	}
}

// newReadOnlyHandler is the TCP port's handler.
func (s *Server) newReadOnlyHandler() http.Handler {
	mux := http.NewServeMux()
	s.registerReadOnly(mux)
	return s.logRequests(mux)
}

// newFullHandler is the socket's handler: the read-only endpoints plus those that can carry
// secrets (events, refused manifests, logs, exec) and pprof.
func (s *Server) newFullHandler() http.Handler {
	mux := http.NewServeMux()
	s.registerReadOnly(mux)
	mux.HandleFunc("GET /pods/{namespace}/{name}/events", s.handlePodEvents)
	mux.HandleFunc("GET /errors", s.handleErrors)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.handleContainerLogs)
	mux.HandleFunc("POST /exec/{namespace}/{pod}/{container}", s.handleExec)
	if s.cfg.Profiling {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return s.logRequests(mux)
}

// handlePods writes a v1.PodList shaped like kubelet's read-only port:
// {"kind":"PodList","apiVersion":"v1","metadata":{},"items":[...]}.
//
// With ?watch=true it streams changes instead, when the source can (see watchPods).
func (s *Server) handlePods(w http.ResponseWriter, r *http.Request) {
	if isWatch(r) {
		src, ok := s.src.(PodWatcher)
		if !ok {
			http.Error(w, "watch is not supported", http.StatusNotImplemented)
			return
		}
		s.watchPods(w, r, src)
		return
	}
	pods := s.src.Pods()
	if pods == nil {
		pods = []v1.Pod{}
	}
	slices.SortFunc(pods, func(a, b v1.Pod) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	list := v1.PodList{
		TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"},
		Items:    pods,
	}
	s.writeJSON(w, r, list)
}

// handlePodEvents writes the pod's events as a v1.EventList,
// {"kind":"EventList","apiVersion":"v1","metadata":{},"items":[...]}, or 404
// when there is no such pod.
func (s *Server) handlePodEvents(w http.ResponseWriter, r *http.Request) {
	namespace, name := r.PathValue("namespace"), r.PathValue("name")
	events, ok := s.src.PodEvents(namespace, name)
	if !ok {
		http.Error(w, fmt.Sprintf("pod %q not found in namespace %q", name, namespace), http.StatusNotFound)
		return
	}
	list := v1.EventList{
		TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"},
		Items:    []v1.Event{},
	}
	if events != nil && events.Items != nil {
		list.Items = events.Items
	}
	s.writeJSON(w, r, list)
}

// handleHealthz answers "ok" when the agent is healthy, else 500 with the reason.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.src.Healthy(r.Context()); err != nil {
		s.log.Debug("health check failed", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(err.Error() + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok"))
}

// handleErrors writes the refused manifests as {"items":[FileError...]}.
func (s *Server) handleErrors(w http.ResponseWriter, r *http.Request) {
	items := s.src.ManifestErrors()
	if items == nil {
		items = []manifest.FileError{}
	}
	s.writeJSON(w, r, ErrorList{Items: items})
}

// writeJSON encodes v fully before writing, so an encoding failure becomes a
// clean 500 instead of a truncated 200.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		s.log.Error("encode response", "path", r.URL.Path, "err", err)
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// logRequests logs every request at Debug with its status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
