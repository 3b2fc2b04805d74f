package metrics

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/minikubelet/minikubelet/probes"
	"github.com/minikubelet/minikubelet/probes/action"
)

type fakePods []v1.Pod

func (f fakePods) Pods() []v1.Pod { return f }

func running(name string, restarts int32) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name, RestartCount: restarts, State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
}

func crashLooping(name string, restarts int32) v1.ContainerStatus {
	return v1.ContainerStatus{Name: name, RestartCount: restarts,
		State:                v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 1}}}
}

func testPod(ns, name string, sandbox bool, deleting bool, statuses ...v1.ContainerStatus) v1.Pod {
	p := v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + "name"}}
	cond := v1.ConditionFalse
	if sandbox {
		cond = v1.ConditionTrue
	}
	p.Status.Conditions = []v1.PodCondition{{Type: v1.PodReadyToStartContainers, Status: cond}}
	p.Status.ContainerStatuses = statuses
	if deleting {
		t := metav1.Now()
		p.DeletionTimestamp = &t
	}
	return p
}

// gather returns the families by name.
func gather(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// value finds the sample whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no %s sample with labels %v", name, want)
	return 0
}

func TestPodGaugesFromStatus(t *testing.T) {
	pods := fakePods{
		testPod("default", "web", true, false, running("server", 0), crashLooping("sidecar", 3)),
		testPod("default", "pending", false, false),
		// A pod being replaced: the new one's restarts are reported, once.
		testPod("kube", "dns", true, true, running("dns", 7)),
		testPod("kube", "dns", true, false, running("dns", 0)),
	}
	m := New()
	if err := m.RegisterPods(pods); err != nil {
		t.Fatal(err)
	}
	fams := gather(t, m)
	if got := value(t, fams, "kubelet_running_pods", nil); got != 3 {
		t.Errorf("kubelet_running_pods = %v, want 3", got)
	}
	if got := value(t, fams, "kubelet_running_containers", map[string]string{"container_state": "running"}); got != 3 {
		t.Errorf("running containers = %v, want 3", got)
	}
	if got := value(t, fams, "kubelet_running_containers", map[string]string{"container_state": "exited"}); got != 1 {
		t.Errorf("exited containers = %v, want 1", got)
	}
	if got := value(t, fams, "kube_pod_container_status_restarts_total", map[string]string{"namespace": "default", "pod": "web", "container": "sidecar"}); got != 3 {
		t.Errorf("sidecar restarts = %v, want 3", got)
	}
	if got := value(t, fams, "kube_pod_container_status_restarts_total", map[string]string{"namespace": "kube", "pod": "dns", "container": "dns"}); got != 0 {
		t.Errorf("dns restarts = %v, want the new pod's 0", got)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}
}

func TestObservations(t *testing.T) {
	m := New()
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "u1"}}
	m.ObservePodStart(1500 * time.Millisecond)
	m.ObserveProbe(probes.Run{Pod: pod, Container: "server", Kind: probes.Liveness, Result: action.Success, Took: time.Millisecond})
	m.ObserveProbe(probes.Run{Pod: pod, Container: "server", Kind: probes.Liveness, Result: action.Failure, Took: time.Millisecond})
	m.ObserveProbe(probes.Run{Pod: pod, Container: "server", Kind: probes.Liveness, Result: action.Failure, Took: time.Millisecond})
	m.ObserveImagePull(50<<20, 3*time.Second)
	fams := gather(t, m)
	if got := value(t, fams, "kubelet_pod_start_duration_seconds", nil); got != 1 {
		t.Errorf("pod starts = %v, want 1", got)
	}
	labels := map[string]string{"probe_type": "Liveness", "result": "failed", "container": "server", "pod": "web", "namespace": "default", "pod_uid": "u1"}
	if got := value(t, fams, "prober_probe_total", labels); got != 2 {
		t.Errorf("failed liveness probes = %v, want 2", got)
	}
	if got := value(t, fams, "prober_probe_duration_seconds", map[string]string{"probe_type": "Liveness"}); got != 3 {
		t.Errorf("probe durations = %v, want 3", got)
	}
	if got := value(t, fams, "kubelet_image_pull_duration_seconds", map[string]string{"image_size_in_bytes": "10MB-100MB"}); got != 1 {
		t.Errorf("image pulls = %v, want 1", got)
	}
}

func TestImageSizeBucket(t *testing.T) {
	tests := []struct {
		size int64
		want string
	}{
		{0, "0-10MB"},
		{10<<20 - 1, "0-10MB"},
		{10 << 20, "10MB-100MB"},
		{3 << 30, "1GB-5GB"},
		{200 << 30, "GT100GB"},
	}
	for _, tt := range tests {
		if got := imageSizeBucket(tt.size); got != tt.want {
			t.Errorf("imageSizeBucket(%d) = %q, want %q", tt.size, got, tt.want)
		}
	}
}

// Two agents in one process (tests) each have their own registry.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.ObservePodStart(time.Second)
	if got := value(t, gather(t, b), "kubelet_pod_start_duration_seconds", nil); got != 0 {
		t.Errorf("b saw a's pod start: %v", got)
	}
}
