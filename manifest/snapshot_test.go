package manifest

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// dp builds an accepted document: "name@version" gives pod default/name with UID name-version.
func dp(doc int, nameVersion string) docPod {
	name, version, _ := strings.Cut(nameVersion, "@")
	return docPod{doc: doc, pod: &v1.Pod{ObjectMeta: metav1.ObjectMeta{
		Namespace: "default", Name: name, UID: types.UID(name + "-" + version),
	}}}
}

func refused(file string, doc int) FileError {
	return FileError{File: file, Document: doc, Message: "invalid YAML"}
}

func TestMerge(t *testing.T) {
	const a, b, c = "/p/a.yaml", "/p/b.yaml", "/p/c.yaml"
	tests := []struct {
		name     string
		previous []fileResult // merged first, from nothing
		current  []fileResult
		wantPods []string // UIDs in order
		want     []FileError
	}{
		{
			name: "ordered by file then document",
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@1"), dp(3, "y@1")}},
				{path: b, pods: []docPod{dp(1, "z@1")}},
			},
			wantPods: []string{"x-1", "y-1", "z-1"},
		},
		{
			name: "duplicate across files: first file wins",
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@a")}},
				{path: b, pods: []docPod{dp(2, "x@b")}},
			},
			wantPods: []string{"x-a"},
			want: []FileError{{File: b, Document: 2, Field: "metadata.name",
				Message: "duplicate pod default/x: already defined in /p/a.yaml (document 1)"}},
		},
		{
			name: "duplicate within a file: first document wins",
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@1"), dp(2, "x@2")}},
			},
			wantPods: []string{"x-1"},
			want: []FileError{{File: a, Document: 2, Field: "metadata.name",
				Message: "duplicate pod default/x: already defined in /p/a.yaml (document 1)"}},
		},
		{
			name:     "a new file never replaces a running pod",
			previous: []fileResult{{path: b, pods: []docPod{dp(1, "x@b")}}},
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@a")}},
				{path: b, pods: []docPod{dp(1, "x@b2")}},
			},
			wantPods: []string{"x-b2"},
			want: []FileError{{File: a, Document: 1, Field: "metadata.name",
				Message: "duplicate pod default/x: already defined in /p/b.yaml (document 1)"}},
		},
		{
			name:     "the loser takes over once the winner's file is gone",
			previous: []fileResult{{path: b, pods: []docPod{dp(1, "x@b")}}, {path: a}},
			current:  []fileResult{{path: a, pods: []docPod{dp(1, "x@a")}}},
			wantPods: []string{"x-a"},
		},
		{
			name:     "broken file keeps the previous pods it does not redefine",
			previous: []fileResult{{path: a, pods: []docPod{dp(1, "x@1"), dp(2, "y@1")}}},
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@2")}, errs: []FileError{refused(a, 2)}},
			},
			wantPods: []string{"x-2", "y-1"},
			want:     []FileError{{File: a, Document: 2, Message: "invalid YAML" + keptSuffix}},
		},
		{
			name:     "broken file with nothing to keep says nothing about it",
			previous: []fileResult{{path: a, pods: []docPod{dp(1, "x@1")}}},
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@2")}, errs: []FileError{refused(a, 2)}},
			},
			wantPods: []string{"x-2"},
			want:     []FileError{refused(a, 2)},
		},
		{
			name:     "file refused whole keeps all its pods",
			previous: []fileResult{{path: a, pods: []docPod{dp(1, "x@1"), dp(2, "y@1")}}, {path: b, pods: []docPod{dp(1, "z@1")}}},
			current: []fileResult{
				{path: a, errs: []FileError{refused(a, 0)}},
				{path: b, pods: []docPod{dp(1, "z@2")}},
			},
			wantPods: []string{"x-1", "y-1", "z-2"},
			want:     []FileError{{File: a, Message: "invalid YAML" + keptSuffix}},
		},
		{
			name:     "a kept pod still beats a newcomer",
			previous: []fileResult{{path: b, pods: []docPod{dp(1, "x@b")}}},
			current: []fileResult{
				{path: a, pods: []docPod{dp(1, "x@a")}},
				{path: b, errs: []FileError{refused(b, 1)}},
			},
			wantPods: []string{"x-b"},
			want: []FileError{
				{File: a, Document: 1, Field: "metadata.name", Message: "duplicate pod default/x: already defined in /p/b.yaml (document 1)"},
				{File: b, Document: 1, Message: "invalid YAML" + keptSuffix},
			},
		},
		{
			name:     "removed file removes its pods",
			previous: []fileResult{{path: a, pods: []docPod{dp(1, "x@1")}}, {path: c, pods: []docPod{dp(1, "z@1")}}},
			current:  []fileResult{{path: c, pods: []docPod{dp(1, "z@1")}}},
			wantPods: []string{"z-1"},
		},
		{
			name:     "a file fixed after an error has no previous pods to keep",
			previous: []fileResult{{path: a, errs: []FileError{refused(a, 1)}}},
			current:  []fileResult{{path: a, errs: []FileError{refused(a, 1)}}},
			want:     []FileError{refused(a, 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, prev := merge(tt.previous, accepted{})
			snap, next := merge(tt.current, prev)
			var uids []string
			for _, p := range snap.Pods {
				uids = append(uids, string(p.UID))
			}
			if strings.Join(uids, ",") != strings.Join(tt.wantPods, ",") {
				t.Errorf("pods = %v, want %v", uids, tt.wantPods)
			}
			if len(snap.Errors) != len(tt.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", formatErrors(snap.Errors), formatErrors(tt.want))
			}
			for i := range tt.want {
				if snap.Errors[i] != tt.want[i] {
					t.Errorf("error %d = %#v\nwant %#v", i, snap.Errors[i], tt.want[i])
				}
			}
			n := 0
			for _, dps := range next {
				n += len(dps)
			}
			if n != len(snap.Pods) {
				t.Errorf("next state holds %d pods, the snapshot %d", n, len(snap.Pods))
			}
		})
	}
}
