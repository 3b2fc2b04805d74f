package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantError is a FileError expected from a test, matched on its message prefix.
type wantError struct {
	doc    int
	field  string
	prefix string
}

func checkErrors(t *testing.T, file string, got []FileError, want []wantError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), formatErrors(got))
	}
	for i, w := range want {
		g := got[i]
		if g.File != file || g.Document != w.doc || g.Field != w.field || !strings.HasPrefix(g.Message, w.prefix) {
			t.Errorf("error %d = %#v,\nwant file %q, document %d, field %q, message starting %q", i, g, file, w.doc, w.field, w.prefix)
		}
	}
}

func formatErrors(errs []FileError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("  " + e.Error() + "\n")
	}
	return b.String()
}

// TestLoadFileCorpus decodes the broken (and a few good) manifests of testdata/.
func TestLoadFileCorpus(t *testing.T) {
	const dns1123 = `Invalid value: "%s": a lowercase RFC 1123 subdomain`
	tests := []struct {
		name     string
		file     string
		wantPods []string // namespace/name
		want     []wantError
	}{
		{name: "valid pod", file: "valid-pod.yaml", wantPods: []string{"default/web"}},
		{name: "json pod", file: "pod.json", wantPods: []string{"tools/json-pod"}},
		{name: "comments only", file: "comments-only.yaml", want: []wantError{{doc: 0, prefix: "file holds no YAML document"}}},
		{
			name: "invalid yaml", file: "invalid-yaml.yaml",
			want: []wantError{{doc: 1, prefix: "invalid YAML: line 4: did not find expected key"}},
		},
		{
			name: "duplicate key", file: "duplicate-key.yaml",
			want: []wantError{{doc: 1, prefix: `invalid YAML: line 5: key "name" already set in map`}},
		},
		{
			name: "unknown fields at several depths", file: "unknown-fields.yaml",
			want: []wantError{
				{doc: 1, field: "metadata.lables", prefix: "unknown field"},
				{doc: 1, field: "spec.containers[0].ports[0].hostPrt", prefix: "unknown field"},
				{doc: 1, field: "spec.replicas", prefix: "unknown field"},
			},
		},
		{
			name: "capitals in name", file: "capital-name.yaml",
			want: []wantError{{doc: 1, field: "metadata.name", prefix: `Invalid value: "lqhCronJob1": a lowercase RFC 1123 subdomain`}},
		},
		{
			name: "container name shared by init and main", file: "duplicate-container-names.yaml",
			want: []wantError{{doc: 1, field: "spec.containers[0].name", prefix: `Duplicate value: "app"`}},
		},
		{
			name: "missing image", file: "missing-image.yaml",
			want: []wantError{{doc: 1, field: "spec.containers[0].image", prefix: "Required value"}},
		},
		{
			name: "bad ports", file: "bad-ports.yaml",
			want: []wantError{
				{doc: 1, field: "spec.containers[0].ports[0].containerPort", prefix: "Required value"},
				{doc: 2, field: "spec.containers[0].ports[0].containerPort", prefix: "Invalid value: 70000: must be between 1 and 65535"},
				{doc: 3, field: "spec.containers[0].ports[0].protocol", prefix: `Unsupported value: "HTTP"`},
				{doc: 4, field: "spec.containers[1].ports[0].hostPort", prefix: `Duplicate value: ":8080/TCP"`},
			},
		},
		{
			name: "wrong kind", file: "wrong-kind.yaml",
			want: []wantError{{doc: 1, field: "kind", prefix: "kind Deployment not supported yet"}},
		},
		{
			name: "wrong apiVersion", file: "wrong-apiversion.yaml",
			want: []wantError{{doc: 1, field: "apiVersion", prefix: `Unsupported value: "v2": supported values: "v1"`}},
		},
		{
			name: "type error", file: "type-error.yaml",
			want: []wantError{{doc: 1, field: "spec.containers[1].ports[1].containerPort", prefix: "Invalid type. Expected: integer, given: string"}},
		},
		{
			name: "bad document in the middle", file: "multi-doc.yaml",
			wantPods: []string{"default/first", "default/third"},
			want:     []wantError{{doc: 2, field: "metadata.name", prefix: strings.Replace(dns1123, "%s", "Second", 1)}},
		},
		{
			name: "unsupported volume and env source", file: "unsupported-volume.yaml",
			want: []wantError{
				{doc: 1, field: "spec.volumes[2].configMap", prefix: "Forbidden: not supported by minikubelet yet"},
				{doc: 1, field: "spec.containers[0].env[0].valueFrom.secretKeyRef", prefix: "Forbidden: not supported by minikubelet yet"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			dps, errs, gone := loadFile(path, "node-1")
			if gone {
				t.Fatalf("loadFile(%s) reports the file gone", path)
			}
			checkErrors(t, path, errs, tt.want)
			var names []string
			for _, dp := range dps {
				names = append(names, podKey(dp.pod))
			}
			if strings.Join(names, ",") != strings.Join(tt.wantPods, ",") {
				t.Errorf("pods = %v, want %v", names, tt.wantPods)
			}
		})
	}
}

// TestLoadFileRefusedWhole covers files refused before any YAML parsing.
func TestLoadFileRefusedWhole(t *testing.T) {
	pod := []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: a\n    image: busybox\n")
	tests := []struct {
		name   string
		data   func() []byte
		prefix string
	}{
		{
			name: "10 MB file",
			data: func() []byte {
				return append(bytes.Clone(pod), bytes.Repeat([]byte("# padding padding padding\n"), 10<<20/26)...)
			},
			prefix: "file is 10485",
		},
		{name: "NUL bytes", data: func() []byte { return []byte("\x7fELF\x02\x01\x01\x00\x00\x00") }, prefix: "not a text file: NUL byte at offset 7"},
		{name: "invalid UTF-8", data: func() []byte { return append(bytes.Clone(pod), 0xff, 0xfe, 0x80) }, prefix: "not a text file: invalid UTF-8 at offset"},
		{name: "empty file", data: func() []byte { return nil }, prefix: "file is empty"},
		{name: "bad separator", data: func() []byte { return append([]byte("--- foo\n"), pod...) }, prefix: "invalid YAML: invalid Yaml document separator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pod.yaml")
			if err := os.WriteFile(path, tt.data(), 0o644); err != nil {
				t.Fatal(err)
			}
			dps, errs, _ := loadFile(path, "node-1")
			if len(dps) != 0 {
				t.Errorf("got %d pods, want none", len(dps))
			}
			checkErrors(t, path, errs, []wantError{{doc: 0, prefix: tt.prefix}})
			if tt.name == "10 MB file" && !strings.Contains(errs[0].Message, "limit of 1048576 bytes") {
				t.Errorf("message %q does not name the limit", errs[0].Message)
			}
		})
	}
}

// TestDecodeDocumentNumbers checks that documents are numbered from 1, skipping empty ones,
// and that YAML line numbers count from the start of the file.
func TestDecodeDocumentNumbers(t *testing.T) {
	data := []byte(`# header comment
---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: a, image: busybox}]}
---
# empty
---
apiVersion: v1
kind: Pod
metadata:
  name: b
  name: c
---
kind: Pod
`)
	pods, errs := Decode("/pods/f.yaml", data, "node-1")
	if len(pods) != 1 || pods[0].Name != "a" {
		t.Fatalf("pods = %v, want just a", pods)
	}
	checkErrors(t, "/pods/f.yaml", errs, []wantError{
		{doc: 2, prefix: `invalid YAML: line 14: key "name" already set in map`},
		{doc: 3, field: "apiVersion", prefix: "Required value"},
	})
}

// TestDecodeLineNumbersAfterSeparators checks YAML error lines when "---" lines come first in a
// file or twice in a row: the YAML reader keeps such a line in the next document.
func TestDecodeLineNumbersAfterSeparators(t *testing.T) {
	const good = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: a, image: b}]}\n"
	const broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: y\n" // the error is on its 3rd line
	tests := []struct {
		name string
		data string
		want wantError
	}{
		{name: "no separator", data: broken, want: wantError{doc: 1, prefix: "invalid YAML: line 3:"}},
		{name: "leading separator", data: "---\n" + broken, want: wantError{doc: 1, prefix: "invalid YAML: line 4:"}},
		{name: "two leading separators", data: "---\n---\n" + broken, want: wantError{doc: 1, prefix: "invalid YAML: line 5:"}},
		{name: "separator then comment", data: "--- # first\n# note\n" + broken, want: wantError{doc: 1, prefix: "invalid YAML: line 5:"}},
		{name: "after a document", data: good + "---\n" + broken, want: wantError{doc: 2, prefix: "invalid YAML: line 8:"}},
		{name: "after two separators", data: good + "---\n---\n" + broken, want: wantError{doc: 2, prefix: "invalid YAML: line 9:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Decode("/p/a.yaml", []byte(tt.data), "node-1")
			checkErrors(t, "/p/a.yaml", errs, []wantError{tt.want})
		})
	}
}

func TestDecodeAnnotatesAcceptedPods(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid-pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pods, errs := Decode("/etc/pods/web.yaml", data, "node-1")
	if len(errs) != 0 || len(pods) != 1 {
		t.Fatalf("Decode = %d pods, errors:\n%s", len(pods), formatErrors(errs))
	}
	pod := pods[0]
	if len(pod.UID) != 32 {
		t.Errorf("UID %q is not 32 hex digits", pod.UID)
	}
	want := map[string]string{
		AnnotationConfigSource: "file",
		AnnotationConfigHash:   string(pod.UID),
		AnnotationSourceFile:   "/etc/pods/web.yaml",
	}
	for k, v := range want {
		if pod.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, pod.Annotations[k], v)
		}
	}
	if pod.Spec.NodeName != "node-1" {
		t.Errorf("spec.nodeName = %q, want node-1", pod.Spec.NodeName)
	}
}

func TestFileErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  FileError
		want string
	}{
		{name: "whole file", err: FileError{File: "/p/a.yaml", Message: "not a text file"}, want: "/p/a.yaml: not a text file"},
		{name: "document", err: FileError{File: "/p/a.yaml", Document: 2, Message: "invalid YAML"}, want: "/p/a.yaml: document 2: invalid YAML"},
		{
			name: "field", err: FileError{File: "/p/a.yaml", Document: 1, Field: "spec.replicas", Message: "unknown field"},
			want: "/p/a.yaml: document 1: spec.replicas: unknown field",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecodeTypeErrors checks that type errors name the field with its list indices.
func TestDecodeTypeErrors(t *testing.T) {
	const head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
	tests := []struct {
		name string
		doc  string
		want wantError
	}{
		{
			name: "number in a string map",
			doc:  head + "  labels:\n    app: 1\nspec:\n  containers: [{name: a, image: busybox}]\n",
			want: wantError{doc: 1, field: "metadata.labels[app]", prefix: "Invalid type. Expected: string, given: number"},
		},
		{
			name: "number in a string list",
			doc:  head + "spec:\n  containers: [{name: a, image: busybox, command: [sh, 1]}]\n",
			want: wantError{doc: 1, field: "spec.containers[0].command[1]", prefix: "Invalid type. Expected: string, given: number"},
		},
		{
			name: "through an embedded struct",
			doc:  head + "spec:\n  containers: [{name: a, image: busybox, livenessProbe: {httpGet: {port: [1]}}}]\n",
			want: wantError{doc: 1, field: "spec.containers[0].livenessProbe.httpGet.port", prefix: "Invalid type. Expected: integer, given: array"},
		},
		{
			name: "object for a list",
			doc:  head + "spec:\n  containers: {name: a}\n",
			want: wantError{doc: 1, field: "spec.containers", prefix: "Invalid type. Expected: array, given: object"},
		},
		{
			name: "kind not a string",
			doc:  "apiVersion: v1\nkind: [Pod]\n",
			want: wantError{doc: 1, field: "kind", prefix: "Invalid type. Expected: string, given: array"},
		},
		{
			name: "not a mapping",
			doc:  "- just\n- a list\n",
			want: wantError{doc: 1, prefix: "document is not a YAML mapping"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods, errs := Decode("/p/a.yaml", []byte(tt.doc), "node-1")
			if len(pods) != 0 {
				t.Errorf("got %d pods, want none", len(pods))
			}
			checkErrors(t, "/p/a.yaml", errs, []wantError{tt.want})
		})
	}
}
