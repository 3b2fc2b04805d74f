package containerd

import (
	"strings"
	"testing"

	"github.com/minikubelet/minikubelet/runtime"
)

func TestCheckLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   string // "" means accepted
	}{
		{name: "ours", labels: map[string]string{labelPodName: "web", labelKind: "main"}},
		{name: "at the limit", labels: map[string]string{labelMessage: strings.Repeat("x", maxLabelSize-len(labelMessage))}},
		{name: "over the limit", labels: map[string]string{labelMessage: strings.Repeat("x", maxLabelSize-len(labelMessage)+1)},
			want: "over containerd's limit"},
		{name: "restart log URI", labels: map[string]string{"containerd.io/restart.loguri": "binary:///bin/sh"}, want: "refused"},
		{name: "restart status", labels: map[string]string{labelPodName: "web", "containerd.io/restart.status": "running"}, want: "refused"},
		{name: "cri", labels: map[string]string{"io.cri-containerd.kind": "sandbox"}, want: "refused"},
		{name: "bare prefix", labels: map[string]string{labelPrefix: "x"}, want: "refused"},
		{name: "look-alike", labels: map[string]string{"io.minikubelet": "x"}, want: "refused"},
	} {
		err := checkLabels(tc.labels)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: checkLabels = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// What a pod or an image controls reaches a container's labels only as values of our keys: the
// pod's labels and annotations are not in ContainerConfig at all, and the image's labels not in
// ImageInfo. Values that could be long are truncated, or refused when they cannot be.
func TestContainerLabelsAreOurs(t *testing.T) {
	cfg := runtime.ContainerConfig{
		Pod:   runtime.PodRef{UID: "uid", Name: "containerd.io/restart.loguri", Namespace: "io.cri-containerd.kind"},
		Name:  "main",
		Kind:  runtime.KindMain,
		Image: runtime.ImageInfo{Name: "example.com/" + strings.Repeat("a", 5000), ID: "sha256:x"},
	}
	labels, err := containerLabels(cfg)
	if err != nil {
		t.Fatalf("containerLabels: %v", err)
	}
	for k, v := range labels {
		if !strings.HasPrefix(k, labelPrefix) {
			t.Errorf("label %q is not ours", k)
		}
		if len(k)+len(v) > maxLabelSize {
			t.Errorf("label %s is %d bytes", k, len(k)+len(v))
		}
	}
	cfg.StopSignal = strings.Repeat("SIGTERM", 1000) // from the image's config
	if _, err := containerLabels(cfg); err == nil || !strings.Contains(err.Error(), labelStopSignal) {
		t.Errorf("an oversized stop signal: %v, want a refusal naming %s", err, labelStopSignal)
	}
}
