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

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/manifest"
)

// fakeSource is a state-based Source for tests.
type fakeSource struct {
	pods      []v1.Pod
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

func (f *fakeSource) ManifestErrors() []manifest.FileError { return f.errs }

func (f *fakeSource) Healthy(context.Context) error { return f.unhealthy }

func testLogger(t *testing.T) *slog.Logger {
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
