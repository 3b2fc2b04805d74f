package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/manifest"
)

// fakeSource is a state-based Source for tests.
type fakeSource struct {
	pods      []v1.Pod
	events    map[string][]v1.Event // by "namespace/name"
	errs      []manifest.FileError
	unhealthy error
}

func (f *fakeSource) Pods() []v1.Pod {
	out := make([]v1.Pod, 0, len(f.pods))
	for i := range f.pods {
		out = append(out, *f.pods[i].DeepCopy())
	}
	return out
}

func (f *fakeSource) PodEvents(namespace, name string) (*v1.EventList, bool) {
	for i := range f.pods {
		if f.pods[i].Namespace == namespace && f.pods[i].Name == name {
			list := &v1.EventList{}
			for _, e := range f.events[namespace+"/"+name] {
				list.Items = append(list.Items, *e.DeepCopy())
			}
			return list, true
		}
	}
	return nil, false
}

func (f *fakeSource) ManifestErrors() []manifest.FileError { return f.errs }

func (f *fakeSource) Healthy(context.Context) error { return f.unhealthy }

func testLogger(t testing.TB) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func pod(ns, name, ip string) v1.Pod {
	return v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
		Status: v1.PodStatus{
			Phase:  v1.PodRunning,
			PodIP:  ip,
			PodIPs: []v1.PodIP{{IP: ip}},
		},
	}
}

func do(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestPodsEndpoint(t *testing.T) {
	tests := []struct {
		name      string
		pods      []v1.Pod
		wantOrder []string // namespace/name
		wantIPs   []string
	}{
		{
			name:      "no pods gives empty items, not null",
			pods:      nil,
			wantOrder: []string{},
			wantIPs:   []string{},
		},
		{
			name: "sorted by namespace then name",
			pods: []v1.Pod{
				pod("kube-system", "a", "10.88.0.4"),
				pod("default", "web", "10.88.0.3"),
				pod("default", "db", "10.88.0.2"),
			},
			wantOrder: []string{"default/db", "default/web", "kube-system/a"},
			wantIPs:   []string{"10.88.0.2", "10.88.0.3", "10.88.0.4"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Logger: testLogger(t)}, &fakeSource{pods: tc.pods})
			rec := do(t, s.Handler(), http.MethodGet, "/pods")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			body := rec.Body.String()
			if !strings.HasPrefix(body, `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[`) {
				t.Errorf("body does not start like kubelet's PodList: %.120s", body)
			}
			var list v1.PodList
			if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
				t.Fatalf("decode: %v", err)
			}
			gotOrder := []string{}
			gotIPs := []string{}
			for _, p := range list.Items {
				gotOrder = append(gotOrder, p.Namespace+"/"+p.Name)
				gotIPs = append(gotIPs, p.Status.PodIP)
			}
			if strings.Join(gotOrder, ",") != strings.Join(tc.wantOrder, ",") {
				t.Errorf("order = %v, want %v", gotOrder, tc.wantOrder)
			}
			if strings.Join(gotIPs, ",") != strings.Join(tc.wantIPs, ",") {
				t.Errorf("podIPs = %v, want %v", gotIPs, tc.wantIPs)
			}
		})
	}
}

func TestHealthzEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		unhealthy  error
		wantStatus int
		wantBody   string
	}{
		{name: "healthy", wantStatus: http.StatusOK, wantBody: "ok"},
		{
			name:       "unhealthy gives the reason",
			unhealthy:  errors.New("containerd: connection refused"),
			wantStatus: http.StatusInternalServerError,
			wantBody:   "containerd: connection refused\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Logger: testLogger(t)}, &fakeSource{unhealthy: tc.unhealthy})
			rec := do(t, s.Handler(), http.MethodGet, "/healthz")
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body = %q, want %q", got, tc.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
		})
	}
}

func TestErrorsEndpoint(t *testing.T) {
	tests := []struct {
		name     string
		errs     []manifest.FileError
		wantBody string
	}{
		{name: "none", wantBody: `{"items":[]}` + "\n"},
		{
			name: "refused documents",
			errs: []manifest.FileError{
				{File: "/etc/minikubelet/pods/web.yaml", Document: 2, Field: "spec.containers[0].name", Message: "Required value"},
				{File: "/etc/minikubelet/pods/bad.yaml", Message: "yaml: line 3: did not find expected key"},
			},
			wantBody: `{"items":[` +
				`{"file":"/etc/minikubelet/pods/web.yaml","document":2,"field":"spec.containers[0].name","message":"Required value"},` +
				`{"file":"/etc/minikubelet/pods/bad.yaml","message":"yaml: line 3: did not find expected key"}]}` + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Logger: testLogger(t)}, &fakeSource{errs: tc.errs})
			rec := do(t, s.Handler(), http.MethodGet, "/errors")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body =\n%s\nwant\n%s", got, tc.wantBody)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantEmpty  bool
	}{
		{name: "GET pods", method: http.MethodGet, path: "/pods", wantStatus: http.StatusOK},
		{name: "HEAD pods has no body", method: http.MethodHead, path: "/pods", wantStatus: http.StatusOK, wantEmpty: true},
		{name: "HEAD healthz", method: http.MethodHead, path: "/healthz", wantStatus: http.StatusOK, wantEmpty: true},
		{name: "POST pods", method: http.MethodPost, path: "/pods", wantStatus: http.StatusMethodNotAllowed},
		{name: "DELETE errors", method: http.MethodDelete, path: "/errors", wantStatus: http.StatusMethodNotAllowed},
		{name: "PUT healthz", method: http.MethodPut, path: "/healthz", wantStatus: http.StatusMethodNotAllowed},
		{name: "root", method: http.MethodGet, path: "/", wantStatus: http.StatusNotFound},
		{name: "unknown path", method: http.MethodGet, path: "/metrics/cadvisor", wantStatus: http.StatusNotFound},
		{name: "subpath of pods", method: http.MethodGet, path: "/pods/default/web", wantStatus: http.StatusNotFound},
		{name: "GET events", method: http.MethodGet, path: "/pods/default/web/events", wantStatus: http.StatusOK},
		{name: "HEAD events", method: http.MethodHead, path: "/pods/default/web/events", wantStatus: http.StatusOK, wantEmpty: true},
		{name: "POST events", method: http.MethodPost, path: "/pods/default/web/events", wantStatus: http.StatusMethodNotAllowed},
		{name: "events of a missing pod", method: http.MethodGet, path: "/pods/default/nope/events", wantStatus: http.StatusNotFound},
		{name: "events without a namespace", method: http.MethodGet, path: "/pods/web/events", wantStatus: http.StatusNotFound},
		{name: "POST unknown path", method: http.MethodPost, path: "/nope", wantStatus: http.StatusNotFound},
	}
	s := New(Config{Logger: testLogger(t)}, &fakeSource{pods: []v1.Pod{pod("default", "web", "10.88.0.2")}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus == http.StatusMethodNotAllowed {
				if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
					t.Errorf("Allow = %q, want %q", allow, "GET, HEAD")
				}
			}
			if tc.wantEmpty && len(body) != 0 {
				t.Errorf("HEAD body has %d bytes, want none", len(body))
			}
		})
	}
}

func event(ns, pod, container, reason, message string, count int32, first, last time.Time) v1.Event {
	ref := v1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: ns, Name: pod, UID: types.UID("uid-" + pod)}
	if container != "" {
		ref.FieldPath = "spec.containers{" + container + "}"
	}
	return v1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: pod + "." + reason},
		InvolvedObject: ref,
		Reason:         reason,
		Message:        message,
		Source:         v1.EventSource{Component: "kubelet", Host: "node1"},
		FirstTimestamp: metav1.NewTime(first),
		LastTimestamp:  metav1.NewTime(last),
		Count:          count,
		Type:           v1.EventTypeNormal,
	}
}

func TestPodEventsEndpoint(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	src := &fakeSource{
		pods: []v1.Pod{
			pod("default", "web", "10.88.0.2"),
			pod("default", "quiet", "10.88.0.3"),
			pod("kube-system", "web", "10.88.0.4"),
		},
		events: map[string][]v1.Event{
			"default/web": {
				event("default", "web", "server", "Pulled", `Container image "busybox" already present on machine`, 1, t0, t0),
				event("default", "web", "server", "BackOff", "Back-off restarting failed container server", 3, t0, t0.Add(time.Minute)),
			},
			"kube-system/web": {event("kube-system", "web", "", "SandboxChanged", "Pod sandbox changed", 1, t0, t0)},
		},
	}
	tests := []struct {
		name        string
		path        string
		wantStatus  int
		wantReasons []string
		wantBody    string // exact body, when set
	}{
		{
			name:        "events of a pod, in the source's order",
			path:        "/pods/default/web/events",
			wantStatus:  http.StatusOK,
			wantReasons: []string{"Pulled", "BackOff"},
		},
		{
			name:        "same name in another namespace",
			path:        "/pods/kube-system/web/events",
			wantStatus:  http.StatusOK,
			wantReasons: []string{"SandboxChanged"},
		},
		{
			name:       "a pod without events gives empty items, not null",
			path:       "/pods/default/quiet/events",
			wantStatus: http.StatusOK,
			wantBody:   `{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[]}` + "\n",
		},
		{
			name:       "no such pod",
			path:       "/pods/default/gone/events",
			wantStatus: http.StatusNotFound,
			wantBody:   `pod "gone" not found in namespace "default"` + "\n",
		},
		{
			name:       "no such namespace",
			path:       "/pods/other/web/events",
			wantStatus: http.StatusNotFound,
			wantBody:   `pod "web" not found in namespace "other"` + "\n",
		},
	}
	s := New(Config{Logger: testLogger(t)}, src)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s.Handler(), http.MethodGet, tc.path)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantBody != "" && rec.Body.String() != tc.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tc.wantBody)
			}
			if tc.wantStatus != http.StatusOK {
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("Content-Type = %q, want text/plain", ct)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if body := rec.Body.String(); !strings.HasPrefix(body, `{"kind":"EventList","apiVersion":"v1","metadata":{},"items":[`) {
				t.Errorf("body does not start like a v1 EventList: %.120s", body)
			}
			var list v1.EventList
			if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
				t.Fatalf("decode: %v", err)
			}
			var reasons []string
			for _, e := range list.Items {
				reasons = append(reasons, e.Reason)
			}
			if strings.Join(reasons, ",") != strings.Join(tc.wantReasons, ",") {
				t.Errorf("reasons = %v, want %v", reasons, tc.wantReasons)
			}
		})
	}

	// The fields kubectl shows survive the round trip.
	rec := do(t, s.Handler(), http.MethodGet, "/pods/default/web/events")
	var list v1.EventList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatalf("decode: %v", err)
	}
	got := list.Items[1]
	want := src.events["default/web"][1]
	if got.Count != want.Count || got.Type != want.Type || got.Source != want.Source ||
		got.InvolvedObject != want.InvolvedObject || got.Message != want.Message ||
		!got.FirstTimestamp.Equal(&want.FirstTimestamp) || !got.LastTimestamp.Equal(&want.LastTimestamp) {
		t.Errorf("event after the round trip = %+v, want %+v", got, want)
	}
}
