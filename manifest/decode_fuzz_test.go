package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the whole decode path (document split, strict decode,
// defaults, validation, UID) and checks what the agent relies on: no panic; every pod returned
// is valid, has a UID and its source annotation; every refusal names the file; decoding is
// deterministic, so an unchanged file keeps its pods' UIDs.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n---\n\x00\xff"))

	const file = "/manifests/fuzz.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		pods, errs := Decode(file, data, "node")
		for _, p := range pods {
			if p.UID == "" {
				t.Fatalf("pod %s/%s without a UID", p.Namespace, p.Name)
			}
			if p.Annotations[AnnotationSourceFile] == "" {
				t.Fatalf("pod %s/%s without its source file annotation", p.Namespace, p.Name)
			}
			if verrs := Validate(p); len(verrs) > 0 {
				t.Fatalf("returned pod %s/%s fails validation: %v", p.Namespace, p.Name, verrs)
			}
		}
		for _, e := range errs {
			if e.File != file || e.Message == "" {
				t.Fatalf("refusal without the file or a message: %+v", e)
			}
		}
		again, againErrs := Decode(file, data, "node")
		if !reflect.DeepEqual(pods, again) || !reflect.DeepEqual(errs, againErrs) {
			t.Fatalf("decoding the same bytes twice differs")
		}
	})
}
