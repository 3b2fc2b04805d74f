package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/server"
)

// agentSource is a state-based server.Source for tests.
type agentSource struct {
	pods    []v1.Pod
	events  map[string][]v1.Event // by "namespace/name"
	refused []manifest.FileError
}

func (a *agentSource) Pods() []v1.Pod {
	out := make([]v1.Pod, 0, len(a.pods))
	for i := range a.pods {
		out = append(out, *a.pods[i].DeepCopy())
	}
	return out
}

func (a *agentSource) PodEvents(namespace, name string) (*v1.EventList, bool) {
	for i := range a.pods {
		if a.pods[i].Namespace == namespace && a.pods[i].Name == name {
			list := &v1.EventList{}
			for _, e := range a.events[namespace+"/"+name] {
				list.Items = append(list.Items, *e.DeepCopy())
			}
			return list, true
		}
	}
	return nil, false
}

func (a *agentSource) ManifestErrors() []manifest.FileError { return a.refused }

func (a *agentSource) Healthy(context.Context) error { return nil }

// startAgent serves the real server handler over src and returns a client of it.
func startAgent(t *testing.T, src *agentSource) *Client { return serveAgent(t, src) }

// serveAgent serves the real server handler over src (a server.PodWatcher too, maybe).
func serveAgent(t *testing.T, src server.Source) *Client {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(server.New(server.Config{Logger: log}, src).Handler())
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL, HTTP: srv.Client()}
}

func TestClientRoundTrip(t *testing.T) {
	src := &agentSource{
		pods: []v1.Pod{
			runningPod("default", "web", "10.88.0.2", time.Minute),
			runningPod("default", "db", "10.88.0.3", time.Minute),
		},
		refused: []manifest.FileError{{File: "/pods/bad.yaml", Document: 1, Field: "spec.containers", Message: "Required value"}},
	}
	c := startAgent(t, src)
	ctx := context.Background()

	list, err := c.Pods(ctx)
	if err != nil {
		t.Fatalf("Pods: %v", err)
	}
	var names, ips []string
	for _, p := range list.Items {
		names = append(names, p.Name)
		ips = append(ips, p.Status.PodIP)
	}
	if got, want := strings.Join(names, ","), "db,web"; got != want {
		t.Errorf("pods = %s, want %s", got, want)
	}
	if got, want := strings.Join(ips, ","), "10.88.0.3,10.88.0.2"; got != want {
		t.Errorf("pod IPs = %s, want %s", got, want)
	}
	if list.Kind != "PodList" || list.APIVersion != "v1" {
		t.Errorf("list type = %s/%s, want v1/PodList", list.APIVersion, list.Kind)
	}

	refused, err := c.Errors(ctx)
	if err != nil {
		t.Fatalf("Errors: %v", err)
	}
	if len(refused) != 1 || refused[0] != src.refused[0] {
		t.Errorf("Errors = %+v, want %+v", refused, src.refused)
	}
}

func TestClientErrors(t *testing.T) {
	// A port that was free a moment ago refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + ln.Addr().String()
	ln.Close()

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "agent is starting", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>not json</html>"))
	}))
	defer garbage.Close()

	tests := []struct {
		name        string
		baseURL     string
		wantIn      []string
		wantRefused bool
	}{
		{
			name:        "connection refused names the address",
			baseURL:     refusedURL,
			wantIn:      []string{refusedURL, "is the agent running?"},
			wantRefused: true,
		},
		{
			name:    "non-200 status carries the body",
			baseURL: failing.URL,
			wantIn:  []string{"503 Service Unavailable", "agent is starting"},
		},
		{
			name:    "bad JSON",
			baseURL: garbage.URL,
			wantIn:  []string{"decode response"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{BaseURL: tc.baseURL}
			_, err := c.Pods(context.Background())
			if err == nil {
				t.Fatal("Pods succeeded")
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if got := errors.Is(err, syscall.ECONNREFUSED); got != tc.wantRefused {
				t.Errorf("errors.Is(err, ECONNREFUSED) = %v, want %v", got, tc.wantRefused)
			}
		})
	}
}

func TestClientPodEvents(t *testing.T) {
	started := kubeletEvent("c", v1.EventTypeNormal, "Started", "Started container c", 1, time.Minute, time.Minute)
	src := &agentSource{
		pods:   []v1.Pod{runningPod("default", "web", "10.88.0.2", time.Minute), runningPod("default", "quiet", "10.88.0.3", time.Minute)},
		events: map[string][]v1.Event{"default/web": {started}},
	}
	c := startAgent(t, src)
	ctx := context.Background()

	list, err := c.PodEvents(ctx, "default", "web")
	if err != nil {
		t.Fatalf("PodEvents: %v", err)
	}
	if list.Kind != "EventList" || list.APIVersion != "v1" {
		t.Errorf("list type = %s/%s, want v1/EventList", list.APIVersion, list.Kind)
	}
	if len(list.Items) != 1 || list.Items[0].Reason != "Started" || list.Items[0].InvolvedObject.FieldPath != "spec.containers{c}" {
		t.Errorf("events = %+v, want the Started event of container c", list.Items)
	}

	list, err = c.PodEvents(ctx, "default", "quiet")
	if err != nil || len(list.Items) != 0 {
		t.Errorf("PodEvents of a quiet pod = %v, %v; want no events, no error", list, err)
	}

	_, err = c.PodEvents(ctx, "default", "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("PodEvents of a missing pod: err = %v, want ErrNotFound", err)
	}
	if err != nil && !strings.Contains(err.Error(), "404 Not Found") {
		t.Errorf("error %q does not carry the status", err)
	}
}

func TestDescribePod(t *testing.T) {
	web := webPod()
	other := runningPod("kube-system", "web", "10.88.0.9", time.Minute)
	// While a pod is replaced the agent lists the old one, being deleted, too.
	old := webPod()
	old.UID = "old-uid"
	old.DeletionTimestamp = atPtr(time.Second)
	old.Status.PodIP = "10.88.0.1"
	src := &agentSource{
		pods: []v1.Pod{*old, *web, other},
		events: map[string][]v1.Event{
			"default/web": {kubeletEvent("server", v1.EventTypeNormal, "Started", "Started container server", 1, time.Minute, time.Minute)},
		},
	}
	c := startAgent(t, src)

	tests := []struct {
		name      string
		namespace string
		pod       string
		wantIn    []string
		wantErr   string
	}{
		{
			name:      "pod with its events",
			namespace: "default",
			pod:       "web",
			wantIn: []string{
				"Name:         web\nNamespace:    default\n",
				"Status:       Running\n",
				"IP:           10.88.0.7\n",
				"Containers:\n  server:\n",
				"Events:\n  Type    Reason   Age   From     Message\n",
				"  Normal  Started  60s   kubelet  spec.containers{server}: Started container server\n",
			},
		},
		{
			name:   "empty namespace means default",
			pod:    "web",
			wantIn: []string{"Namespace:    default\n"},
		},
		{
			name:      "pod without events",
			namespace: "kube-system",
			pod:       "web",
			wantIn:    []string{"Namespace:    kube-system\n", "Events:             <none>\n"},
		},
		{name: "missing pod", namespace: "default", pod: "gone", wantErr: `pods "gone" not found`},
		{name: "pod of another namespace", namespace: "other", pod: "web", wantErr: `pods "web" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := DescribePod(context.Background(), c, tc.namespace, tc.pod, testNow, &out)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("DescribePod error = %v, want %q", err, tc.wantErr)
				}
				if out.Len() != 0 {
					t.Errorf("printed %q for a missing pod", out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("DescribePod: %v", err)
			}
			for _, s := range tc.wantIn {
				if !strings.Contains(out.String(), s) {
					t.Errorf("description lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}
