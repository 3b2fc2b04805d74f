package manifest

import (
	"strings"
	"testing"
)

// Oversized pod labels and annotations are refused as the API server refuses them, naming the
// field; reserved containerd keys are valid Kubernetes labels (they never reach containerd: see
// runtime/containerd checkLabels).
func TestValidateLabelSizes(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		annots map[string]string
		field  string // "" means valid
	}{
		{name: "reserved containerd keys", labels: map[string]string{"containerd.io/restart.status": "running"},
			annots: map[string]string{"containerd.io/restart.loguri": "binary:///bin/sh", "io.cri-containerd.kind": "sandbox"}},
		{name: "label value of 64", labels: map[string]string{"app": strings.Repeat("a", 64)}, field: "metadata.labels"},
		{name: "label key of 317", labels: map[string]string{strings.Repeat("a", 253) + "/" + strings.Repeat("b", 64): "x"}, field: "metadata.labels"},
		{name: "annotations over 256 KiB", annots: map[string]string{"big": strings.Repeat("a", 256<<10)}, field: "metadata.annotations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := validPod()
			pod.Labels, pod.Annotations = tc.labels, tc.annots
			errs := Validate(pod)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Errorf("Validate = %v, want no error", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Field != tc.field {
				t.Errorf("Validate = %v, want an error on %s", errs, tc.field)
			}
		})
	}
}
