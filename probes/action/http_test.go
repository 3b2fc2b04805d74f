package action

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probeHandler serves the paths the HTTP probe tests ask for.
func probeHandler(otherHost string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(strings.Repeat("x", 1<<20))) // far more than is read
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		code := http.StatusOK
		switch strings.TrimPrefix(r.URL.Path, "/status/") {
		case "204":
			code = http.StatusNoContent
		case "399":
			code = 399
		case "404":
			code = http.StatusNotFound
		case "500":
			code = http.StatusInternalServerError
		}
		w.WriteHeader(code)
		w.Write([]byte("SECRET"))
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok?from=moved", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://"+otherHost+"/")
		w.WriteHeader(http.StatusFound)
		w.Write([]byte("gone " + strings.Repeat("y", 20<<10)))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// Fails unless the request looks as the test case expects.
		want := r.URL.Query()
		if r.Header.Get("X-Token") != want.Get("token") || (want.Get("host") != "" && r.Host != want.Get("host")) ||
			r.UserAgent() != want.Get("ua") || strings.Join(r.Header["Accept"], ",") != want.Get("accept") ||
			r.Header.Get("Accept-Encoding") != "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	return mux
}

func TestHTTPProbe(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()
	otherURL, _ := url.Parse(other.URL)
	// Another host name for the same machine: the probe compares names, not addresses.
	otherHost := "localhost:" + otherURL.Port()
	plain := httptest.NewServer(probeHandler(otherHost))
	defer plain.Close()
	secure := httptest.NewTLSServer(probeHandler(otherHost))
	defer secure.Close()

	tests := []struct {
		name    string
		https   bool
		get     v1.HTTPGetAction // Port is filled in when unset
		want    Result
		message string // contained in the message; "" wants an empty one
	}{
		{name: "200 with a large body", get: v1.HTTPGetAction{Path: "/ok"}, want: Success},
		{name: "204", get: v1.HTTPGetAction{Path: "/status/204"}, want: Success},
		{name: "399", get: v1.HTTPGetAction{Path: "/status/399"}, want: Success, message: "Probe terminated redirects, Response body: SECRET"},
		{name: "404", get: v1.HTTPGetAction{Path: "/status/404"}, want: Failure, message: "HTTP probe failed with statuscode: 404"},
		{name: "500, over HTTPS without verification", https: true, get: v1.HTTPGetAction{Path: "/status/500", Scheme: v1.URISchemeHTTPS},
			want: Failure, message: "HTTP probe failed with statuscode: 500"},
		{name: "200 over HTTPS", https: true, get: v1.HTTPGetAction{Path: "/ok", Scheme: v1.URISchemeHTTPS}, want: Success},
		{name: "same-host redirect followed", get: v1.HTTPGetAction{Path: "/moved"}, want: Success},
		{name: "redirect loop stops after 10", get: v1.HTTPGetAction{Path: "/loop"}, want: Failure, message: "stopped after 10 redirects"},
		{name: "redirect to another host: success with kubelet's warning", get: v1.HTTPGetAction{Path: "/away"},
			want: Success, message: "Probe terminated redirects, Response body: gone yyy"},
		{name: "default headers", get: v1.HTTPGetAction{Path: "/echo?ua=kube-probe/1.34&accept=*/*"}, want: Success},
		{name: "named port, headers, Host, Accept removed", get: v1.HTTPGetAction{
			Path: "/echo?ua=custom&accept=&host=example.test&token=t", Port: intstr.FromString("web"),
			HTTPHeaders: []v1.HTTPHeader{{Name: "x-token", Value: "t"}, {Name: "Host", Value: "example.test"},
				{Name: "User-Agent", Value: "custom"}, {Name: "Accept", Value: ""}},
		}, want: Success},
		{name: "unknown port name", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromString("nope")},
			want: Unknown, message: `port "nope" not found`},
		{name: "nothing listening", get: v1.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(closedPort(t))},
			want: Failure, message: "connection refused"},
		{name: "hanging server: the timeout ends it", get: v1.HTTPGetAction{Path: "/hang"},
			want: Failure, message: "Client.Timeout exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := plain
			if tc.https {
				srv = secure
			}
			tgt, port := target(t, srv.Listener.Addr().String())
			if tc.get.Port == (intstr.IntOrString{}) {
				tc.get.Port = intstr.FromInt32(port)
			}
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &tc.get}, TimeoutSeconds: 1}
			got, msg := Probe(context.Background(), p, tgt)
			if got != tc.want || !strings.Contains(msg, tc.message) || (tc.message == "") != (msg == "") {
				t.Errorf("Probe = %s %.200q, want %s containing %q", got, msg, tc.want, tc.message)
			}
			if tc.want == Failure && strings.Contains(msg, "SECRET") {
				t.Errorf("the failure message holds the body: %q", msg)
			}
			if len(msg) > 1<<20/2 {
				t.Errorf("message of %d bytes: the body was not capped", len(msg))
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	tests := []struct {
		name    string
		get     v1.HTTPGetAction
		podIP   string
		wantURL string
		wantErr string
	}{
		{name: "pod IP, path with a query", podIP: "10.0.0.5", get: v1.HTTPGetAction{Path: "/healthz?full=1", Port: intstr.FromInt32(8080)},
			wantURL: "http://10.0.0.5:8080/healthz?full=1"},
		{name: "IPv6 pod IP bracketed", podIP: "fd00::5", get: v1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80)},
			wantURL: "http://[fd00::5]:80/"},
		{name: "host, HTTPS, path without a slash", podIP: "10.0.0.5", get: v1.HTTPGetAction{Host: "example.test", Path: "ready", Port: intstr.FromString("443"), Scheme: v1.URISchemeHTTPS},
			wantURL: "https://example.test:443/ready"},
		{name: "named port", podIP: "10.0.0.5", get: v1.HTTPGetAction{Port: intstr.FromString("web")}, wantURL: "http://10.0.0.5:9090"},
		{name: "port out of range", podIP: "10.0.0.5", get: v1.HTTPGetAction{Port: intstr.FromInt32(70000)}, wantErr: "invalid port number: 70000"},
		{name: "no pod IP yet", get: v1.HTTPGetAction{Port: intstr.FromInt32(80)}, wantErr: "no IP"},
	}
	c := &v1.Container{Ports: []v1.ContainerPort{{Name: "web", ContainerPort: 9090}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := newRequest(context.Background(), &tc.get, Target{PodIP: tc.podIP, Container: c}, "probe")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("newRequest error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := req.URL.String(); got != tc.wantURL {
				t.Errorf("URL = %s, want %s", got, tc.wantURL)
			}
		})
	}
}
