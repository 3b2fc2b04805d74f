package manifest

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestPodUID(t *testing.T) {
	const base = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  containers:
  - name: main
    image: nginx:1.27
`
	uid := func(t *testing.T, file, node, doc string) types.UID {
		t.Helper()
		pods, errs := Decode(file, []byte(doc), node)
		if len(errs) != 0 || len(pods) != 1 {
			t.Fatalf("Decode: %d pods, errors:\n%s", len(pods), formatErrors(errs))
		}
		return pods[0].UID
	}
	baseUID := uid(t, "/pods/web.yaml", "node-1", base)
	tests := []struct {
		name     string
		file     string
		node     string
		doc      string
		wantSame bool
	}{
		{name: "identical content", file: "/pods/web.yaml", node: "node-1", doc: base, wantSame: true},
		{
			name: "comments, flow style, key order and defaults spelt out", file: "/pods/web.yaml", node: "node-1", wantSame: true,
			doc: "# the web pod\n{kind: Pod, apiVersion: v1,\n metadata: {labels: {tier: front, app: web}, name: web, namespace: default},\n" +
				" spec: {restartPolicy: Always, containers: [{image: \"nginx:1.27\", name: main, imagePullPolicy: IfNotPresent}]}}\n",
		},
		{name: "spec change", file: "/pods/web.yaml", node: "node-1", doc: base + "    args: [-g, daemon off;]\n"},
		{name: "label change", file: "/pods/web.yaml", node: "node-1", doc: base[:len("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n")] +
			"  labels: {app: web, tier: back}\nspec:\n  containers:\n  - name: main\n    image: nginx:1.27\n"},
		{name: "other file", file: "/pods/web2.yaml", node: "node-1", doc: base},
		{name: "other node", file: "/pods/web.yaml", node: "node-2", doc: base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := uid(t, tt.file, tt.node, tt.doc)
			if (got == baseUID) != tt.wantSame {
				t.Errorf("UID %s vs base %s: same = %v, want %v", got, baseUID, got == baseUID, tt.wantSame)
			}
		})
	}

	t.Run("metadata.uid kept", func(t *testing.T) {
		doc := base[:len("apiVersion: v1\nkind: Pod\nmetadata:\n")] + "  uid: 6a1c8f00-0000-4000-8000-000000000001\n" + base[len("apiVersion: v1\nkind: Pod\nmetadata:\n"):]
		if got := uid(t, "/pods/web.yaml", "node-1", doc); got != "6a1c8f00-0000-4000-8000-000000000001" {
			t.Errorf("UID = %s, want the one of metadata.uid", got)
		}
	})

	t.Run("annotations added do not change it", func(t *testing.T) {
		pods, _ := Decode("/pods/web.yaml", []byte(base), "node-1")
		pod := pods[0]
		pod.UID = ""
		if got := PodUID(pod, "node-1", "/pods/web.yaml"); got != baseUID {
			t.Errorf("PodUID of the annotated pod = %s, want %s", got, baseUID)
		}
	})
}
