package manifest

import (
	"strings"
	"testing"
)

func TestDecodeNamesBadQuantity(t *testing.T) {
	tests := []struct {
		name, resources, wantField, wantValue string
	}{
		{name: "cpu limit", resources: `resources: {limits: {cpu: abc, memory: 16Mi}}`,
			wantField: "spec.containers[0].resources.limits[cpu]", wantValue: `"abc"`},
		{name: "memory request", resources: `resources: {requests: {memory: 1x}}`,
			wantField: "spec.containers[0].resources.requests[memory]", wantValue: `"1x"`},
		{name: "emptyDir size", resources: `volumeMounts: []`,
			wantField: "spec.volumes[0].emptyDir.sizeLimit", wantValue: `"lots"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  containers:
  - {name: main, image: busybox:1.35, ` + tt.resources + `}
`
			if strings.Contains(tt.wantField, "volumes") {
				doc += "  volumes: [{name: v, emptyDir: {sizeLimit: lots}}]\n"
			}
			_, errs := Decode("q.yaml", []byte(doc), "node")
			if len(errs) != 1 {
				t.Fatalf("errors: %v", errs)
			}
			if errs[0].Field != tt.wantField || !strings.Contains(errs[0].Message, tt.wantValue) {
				t.Errorf("error = %s: %s, want %s: ...%s...", errs[0].Field, errs[0].Message, tt.wantField, tt.wantValue)
			}
		})
	}
}
