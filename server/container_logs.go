package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/logs"
)

// handleContainerLogs is kubelet's GET /containerLogs/{namespace}/{pod}/{container}, with its
// query parameters follow, previous, tailLines, timestamps, sinceSeconds and sinceTime. The body
// is the log as plain text; with follow it streams until the container stops running.
func (s *Server) handleContainerLogs(w http.ResponseWriter, r *http.Request) {
	namespace, podName, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	query, err := parseLogQuery(r.URL.Query(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pod := s.podOr404(w, namespace, podName)
	if pod == nil {
		return
	}
	target, err := logTarget(pod, container, query.previous)
	if err != nil {
		writeTargetError(w, err)
		return
	}
	opts := query.read
	opts.Running = func() bool { return s.containerRunning(namespace, podName, target.containerID) }
	path := logs.ContainerPath(s.cfg.LogDir, namespace, podName, string(pod.UID), container, target.attempt)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	out := &streamWriter{rc: http.NewResponseController(w), w: w}
	if err := logs.Read(r.Context(), path, opts, out); err != nil {
		if !out.wrote {
			http.Error(w, fmt.Sprintf("read log of container %q in pod %q: %v", container, podName, err), http.StatusInternalServerError)
			return
		}
		s.log.Warn("read container log", "pod", namespace+"/"+podName, "container", container, "err", err)
	}
}

// logQuery is the parsed query of /containerLogs.
type logQuery struct {
	read     logs.ReadOptions
	previous bool
}

// parseLogQuery reads kubelet's log query parameters; now anchors sinceSeconds.
func parseLogQuery(q url.Values, now time.Time) (logQuery, error) {
	lq := logQuery{read: logs.ReadOptions{TailLines: -1}}
	var err error
	if lq.read.Follow, err = boolParam(q, "follow"); err != nil {
		return lq, err
	}
	if lq.previous, err = boolParam(q, "previous"); err != nil {
		return lq, err
	}
	if lq.read.Timestamps, err = boolParam(q, "timestamps"); err != nil {
		return lq, err
	}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return lq, fmt.Errorf("tailLines %q: must be a non-negative integer", v)
		}
		lq.read.TailLines = n
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return lq, fmt.Errorf("sinceSeconds %q: must be a positive integer", v)
		}
		lq.read.Since = now.Add(-time.Duration(n) * time.Second)
	}
	if v := q.Get("sinceTime"); v != "" {
		if q.Get("sinceSeconds") != "" {
			return lq, errors.New("at most one of sinceTime or sinceSeconds may be specified")
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return lq, fmt.Errorf("sinceTime %q: %w", v, err)
		}
		lq.read.Since = t
	}
	return lq, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s %q: not a boolean", name, v)
	}
	return b, nil
}

// noSuchContainerError is a pod without the container a request names.
type noSuchContainerError struct{ container, pod string }

func (e noSuchContainerError) Error() string {
	return fmt.Sprintf("container %q not found in pod %q", e.container, e.pod)
}

// logInstance is the container instance whose log a request reads.
type logInstance struct {
	containerID string // containerd://ID
	attempt     int    // its restart count: the N of N.log
}

// logTarget picks the instance to read as kubelet does (validateContainerLogStatus): the
// previous terminated one with previous, else the running one, else the terminated one, else the
// last terminated one; a container waiting to start has no log yet.
func logTarget(pod *v1.Pod, container string, previous bool) (logInstance, error) {
	var cs *v1.ContainerStatus
	for _, list := range [][]v1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for i := range list {
			if list[i].Name == container {
				cs = &list[i]
			}
		}
	}
	if cs == nil {
		return logInstance{}, noSuchContainerError{container: container, pod: pod.Name}
	}
	current := logInstance{containerID: cs.ContainerID, attempt: int(cs.RestartCount)}
	last := cs.LastTerminationState.Terminated
	lastInstance := func() logInstance {
		// The last terminated instance is the current one while it waits to restart, else the
		// one before it.
		if last.ContainerID == cs.ContainerID {
			return current
		}
		return logInstance{containerID: last.ContainerID, attempt: int(cs.RestartCount) - 1}
	}
	switch state := cs.State; {
	case previous:
		if last == nil || last.ContainerID == "" {
			return logInstance{}, fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
		}
		return lastInstance(), nil
	case state.Running != nil:
		return current, nil
	case state.Terminated != nil:
		if cs.ContainerID != "" {
			return current, nil
		}
		if last != nil && last.ContainerID != "" {
			return lastInstance(), nil
		}
		return logInstance{}, fmt.Errorf("container %q in pod %q is terminated", container, pod.Name)
	case last != nil:
		if last.ContainerID == "" {
			return logInstance{}, fmt.Errorf("container %q in pod %q is terminated", container, pod.Name)
		}
		return lastInstance(), nil
	case state.Waiting != nil:
		switch reason := state.Waiting.Reason; reason {
		case "ErrImagePull":
			return logInstance{}, fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", container, pod.Name)
		case "ImagePullBackOff":
			return logInstance{}, fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", container, pod.Name)
		default:
			return logInstance{}, fmt.Errorf("container %q in pod %q is waiting to start: %s", container, pod.Name, reason)
		}
	default:
		return logInstance{}, fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", container, pod.Name)
	}
}

// podOr404 returns the named pod, or answers 404 (kubelet's words) and returns nil.
func (s *Server) podOr404(w http.ResponseWriter, namespace, name string) *v1.Pod {
	pod := s.findPod(namespace, name)
	if pod == nil {
		http.Error(w, fmt.Sprintf("pod %q does not exist", namespace+"/"+name), http.StatusNotFound)
	}
	return pod
}

// writeTargetError answers a container that cannot serve the request: 404 when the pod has no
// such container, else 400 (kubelet's codes).
func writeTargetError(w http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	if errors.As(err, new(noSuchContainerError)) {
		code = http.StatusNotFound
	}
	http.Error(w, err.Error(), code)
}

// findPod returns the named pod, or nil.
func (s *Server) findPod(namespace, name string) *v1.Pod {
	for _, p := range s.src.Pods() {
		if p.Namespace == namespace && p.Name == name {
			return &p
		}
	}
	return nil
}

// containerRunning reports whether the instance id of a container of the pod still runs.
func (s *Server) containerRunning(namespace, podName, id string) bool {
	pod := s.findPod(namespace, podName)
	if pod == nil {
		return false
	}
	for _, list := range [][]v1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for _, cs := range list {
			if cs.ContainerID == id && cs.State.Running != nil {
				return true
			}
		}
	}
	return false
}

// runtimeID strips the runtime prefix of a status's container ID: containerd://ID -> ID.
func runtimeID(statusID string) string {
	if _, id, ok := strings.Cut(statusID, "://"); ok {
		return id
	}
	return statusID
}

// streamWriter writes a streamed response, flushing on demand, and remembers whether anything
// was written (so that an early failure can still become an error status).
type streamWriter struct {
	rc    *http.ResponseController
	w     io.Writer
	wrote bool
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.wrote = true
	return s.w.Write(p)
}

// Flush pushes the written bytes to the client (logs.Read calls it). A failed flush shows as a
// failed write next.
func (s *streamWriter) Flush() { _ = s.rc.Flush() }
