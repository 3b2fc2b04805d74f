package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestMetricsEndpoint(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_things_total", Help: "Things."})
	reg.MustRegister(c)
	c.Add(3)
	s := New(Config{Metrics: reg, Logger: testLogger(t)}, &fakeSource{})
	rec := do(t, s.Handler(), http.MethodGet, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, rec.Body)
	}
	if got := fams["test_things_total"].GetMetric()[0].GetCounter().GetValue(); got != 3 {
		t.Errorf("test_things_total = %v, want 3", got)
	}

	// Without a registry there is no /metrics.
	s = New(Config{Logger: testLogger(t)}, &fakeSource{})
	if rec := do(t, s.Handler(), http.MethodGet, "/metrics"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without a registry: %d, want 404", rec.Code)
	}
}
