package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/server"
)

func TestGetPods(t *testing.T) {
	pods := []v1.Pod{
		runningPod("kube-system", "dns", "10.88.0.4", time.Minute),
		runningPod("default", "web", "10.88.0.2", time.Minute),
		runningPod("default", "db", "10.88.0.3", time.Minute),
	}
	refused := []manifest.FileError{
		{File: "/pods/a.yaml", Message: "bad"},
		{File: "/pods/b.yaml", Document: 2, Message: "worse"},
	}
	tests := []struct {
		name       string
		pods       []v1.Pod
		refused    []manifest.FileError
		opts       GetPodsOptions
		wantOut    string
		wantErrOut string
		wantErr    string
	}{
		{
			name:    "default namespace sorted by name",
			pods:    pods,
			opts:    GetPodsOptions{Output: "name"},
			wantOut: "pod/db\npod/web\n",
		},
		{
			name:    "other namespace",
			pods:    pods,
			opts:    GetPodsOptions{Output: "name", Namespace: "kube-system"},
			wantOut: "pod/dns\n",
		},
		{
			name:    "all namespaces",
			pods:    pods,
			opts:    GetPodsOptions{Output: "name", AllNamespaces: true},
			wantOut: "pod/db\npod/web\npod/dns\n",
		},
		{
			name:    "names keep the order asked",
			pods:    pods,
			opts:    GetPodsOptions{Output: "name", Names: []string{"web", "db"}},
			wantOut: "pod/web\npod/db\n",
		},
		{
			name:    "a missing name among others prints the rest",
			pods:    pods,
			opts:    GetPodsOptions{Output: "name", Names: []string{"web", "nope"}},
			wantOut: "pod/web\n",
			wantErr: `pods "nope" not found`,
		},
		{
			name:    "a single missing name prints nothing",
			pods:    pods,
			opts:    GetPodsOptions{Output: "json", Names: []string{"dns"}},
			wantErr: `pods "dns" not found`,
		},
		{
			name:       "no pods in namespace",
			pods:       pods,
			opts:       GetPodsOptions{Namespace: "empty"},
			wantErrOut: "No resources found in empty namespace.\n",
		},
		{
			name:       "no pods anywhere",
			opts:       GetPodsOptions{AllNamespaces: true, Output: "wide"},
			wantErrOut: "No resources found\n",
		},
		{
			name:       "refused manifests are mentioned",
			refused:    refused,
			wantErrOut: "No resources found in default namespace.\n2 manifest(s) refused; see 'minikubelet get errors'\n",
		},
		{
			name:    "names across all namespaces",
			opts:    GetPodsOptions{AllNamespaces: true, Names: []string{"web"}},
			wantErr: "a resource cannot be retrieved by name across all namespaces",
		},
		{
			name:    "unknown output",
			opts:    GetPodsOptions{Output: "table"},
			wantErr: `unable to match a printer suitable for the output format "table", allowed formats are: json,name,wide,yaml`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startAgent(t, &agentSource{pods: tc.pods, refused: tc.refused})
			tc.opts.Now = testNow
			var out, errOut bytes.Buffer
			err := GetPods(context.Background(), c, tc.opts, &out, &errOut)
			if gotErr := errString(err); gotErr != tc.wantErr {
				t.Errorf("err = %q, want %q", gotErr, tc.wantErr)
			}
			if out.String() != tc.wantOut {
				t.Errorf("out =\n%s\nwant\n%s", out.String(), tc.wantOut)
			}
			if errOut.String() != tc.wantErrOut {
				t.Errorf("errOut = %q, want %q", errOut.String(), tc.wantErrOut)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestGetPodsOnTheReadOnlyPort(t *testing.T) {
	src := &agentSource{
		pods:    []v1.Pod{runningPod("default", "web", "10.88.0.2", time.Minute)},
		refused: []manifest.FileError{{File: "/pods/bad.yaml", Message: "bad"}},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(server.New(server.Config{Logger: log}, src).ReadOnlyHandler())
	t.Cleanup(srv.Close)
	var out, errOut bytes.Buffer
	c := &Client{BaseURL: srv.URL}
	if err := GetPods(context.Background(), c, GetPodsOptions{Namespace: "default", Now: testNow}, &out, &errOut); err != nil {
		t.Fatalf("GetPods on the read-only port: %v", err)
	}
	if !bytes.Contains(out.Bytes(), []byte("web")) || errOut.Len() != 0 {
		t.Errorf("out %q, errOut %q", out.String(), errOut.String())
	}
}
