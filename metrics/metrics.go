package metrics

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
)

// Kubelet's bucket boundaries (pkg/kubelet/metrics): round numbers in everyday units.
func podStartBuckets() []float64 {
	return []float64{0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600}
}

func imagePullBuckets() []float64 {
	return []float64{1, 5, 10, 20, 30, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600}
}

// PodLister gives the pods with their status; the runtime Manager implements it.
type PodLister interface {
	Pods() []v1.Pod
}

// Metrics is one agent's registry and the instruments the agent's parts report to.
type Metrics struct {
	registry      *prometheus.Registry
	podStart      prometheus.Histogram
	probeTotal    *prometheus.CounterVec
	probeDuration *prometheus.HistogramVec
	imagePull     *prometheus.HistogramVec
}

// New makes a registry holding the agent's metrics and the Go runtime and process collectors;
// RegisterPods adds the pod gauges once the pods' owner exists.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		podStart: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kubelet_pod_start_duration_seconds",
			Help:    "Duration in seconds from the agent seeing a pod for the first time to all of its containers running.",
			Buckets: podStartBuckets(),
		}),
		probeTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prober_probe_total",
			Help: "Cumulative number of a liveness, readiness or startup probe for a container by result.",
		}, []string{"probe_type", "result", "container", "pod", "namespace", "pod_uid"}),
		probeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "prober_probe_duration_seconds",
			Help:    "Duration in seconds for a probe response.",
			Buckets: prometheus.DefBuckets,
		}, []string{"probe_type", "container", "pod", "namespace"}),
		imagePull: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubelet_image_pull_duration_seconds",
			Help:    "Duration in seconds to pull an image.",
			Buckets: imagePullBuckets(),
		}, []string{"image_size_in_bytes"}),
	}
	m.registry.MustRegister(
		m.podStart, m.probeTotal, m.probeDuration, m.imagePull,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// RegisterPods adds the gauges read from pods' status at each scrape: running pods and
// containers, container restarts. Call it once.
func (m *Metrics) RegisterPods(pods PodLister) error {
	if err := m.registry.Register(newPodCollector(pods)); err != nil {
		return fmt.Errorf("register pod metrics: %w", err)
	}
	return nil
}

// Gatherer is what /metrics serves.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// ObservePodStart records the time from a pod first seen to all its containers running.
func (m *Metrics) ObservePodStart(took time.Duration) { m.podStart.Observe(took.Seconds()) }

// ObserveProbe records one probe run, as kubelet's prober does: every run counted by result, and
// its duration.
func (m *Metrics) ObserveProbe(run probes.Run) {
	kind := probeType(run.Kind)
	var ns, name, uid string
	if run.Pod != nil {
		ns, name, uid = run.Pod.Namespace, run.Pod.Name, string(run.Pod.UID)
	}
	m.probeTotal.WithLabelValues(kind, probeResult(run.Result), run.Container, name, ns, uid).Inc()
	m.probeDuration.WithLabelValues(kind, run.Container, name, ns).Observe(run.Took.Seconds())
}

// ObserveImagePull records a pull that happened (not a lookup of a present image).
func (m *Metrics) ObserveImagePull(sizeBytes int64, took time.Duration) {
	m.imagePull.WithLabelValues(imageSizeBucket(sizeBytes)).Observe(took.Seconds())
}

// probeType is kubelet's label value: "Liveness", "Readiness", "Startup".
func probeType(k probes.Kind) string {
	s := string(k)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// probeResult is kubelet's label value for a probe run's result.
func probeResult(r action.Result) string {
	switch r {
	case action.Success:
		return "successful"
	case action.Failure:
		return "failed"
	default:
		return "unknown"
	}
}
