package e2e

import (
	"fmt"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metrics is GET /metrics, parsed with Prometheus' own text parser.
func (a *agent) metrics() map[string]*dto.MetricFamily {
	a.t.Helper()
	body, code, err := a.get("/metrics")
	if err != nil || code != 200 {
		a.t.Fatalf("GET /metrics: %d %v", code, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		a.t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sample is the value of the sample of name whose labels include want (a histogram's count), and
// whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// /metrics counts a pod start, probe runs and a container restart, under kubelet's names.
func TestMetrics(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("counted.yaml", fmt.Sprintf(sleeper, "counted",
		`, readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}`))
	pod := a.waitRunning("default", "counted")

	fams := a.metrics()
	if n, _ := sample(fams, "kubelet_pod_start_duration_seconds", nil); n < 1 {
		t.Errorf("kubelet_pod_start_duration_seconds counts %v starts, want at least 1", n)
	}
	if n, _ := sample(fams, "kubelet_running_pods", nil); n != 1 {
		t.Errorf("kubelet_running_pods = %v, want 1", n)
	}
	if n, _ := sample(fams, "kubelet_running_containers", map[string]string{"container_state": "running"}); n != 1 {
		t.Errorf("running containers = %v, want 1", n)
	}
	probe := map[string]string{"probe_type": "Readiness", "result": "successful", "container": "main",
		"pod": "counted", "namespace": "default", "pod_uid": string(pod.UID)}
	if n, _ := sample(fams, "prober_probe_total", probe); n < 1 {
		t.Errorf("prober_probe_total%v = %v, want at least 1", probe, n)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "prober_probe_duration_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s in /metrics", name)
		}
	}
	restarts := map[string]string{"namespace": "default", "pod": "counted", "container": "main"}
	if n, ok := sample(fams, "kube_pod_container_status_restarts_total", restarts); !ok || n != 0 {
		t.Errorf("restarts before the kill = %v (present %v), want 0", n, ok)
	}

	a.killContainer(pod.Status.ContainerStatuses[0].ContainerID)
	a.eventually("the restart is counted", func() (bool, string) {
		n, _ := sample(a.metrics(), "kube_pod_container_status_restarts_total", restarts)
		return n == 1, fmt.Sprintf("restarts %v", n)
	})
}
