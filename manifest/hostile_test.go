package manifest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/minikubelet/minikubelet/test/hostile"
)

// TestHostileCorpus drops the whole hostile corpus beside a pod the previous scan accepted: each
// file gives exactly its errors, naming the file and the field, no corpus file yields a pod,
// and the accepted pod stays as it was.
func TestHostileCorpus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pods")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, hostile.SteadyFile, hostile.Steady)
	sc := newStateScanner(dir, "")
	before := sc.scan()
	if names(before) != hostile.SteadyName || len(before.Errors) != 0 {
		t.Fatalf("before the corpus: %v", before)
	}
	closeSocket, err := hostile.Write(dir, t.TempDir())
	defer closeSocket()
	if err != nil {
		t.Fatal(err)
	}

	snap := sc.scan()
	if names(snap) != hostile.SteadyName || snap.Pods[0].UID != before.Pods[0].UID {
		t.Errorf("pods beside the corpus: %v, want only %s with UID %s", snap, hostile.SteadyName, before.Pods[0].UID)
	}
	got := make([]hostile.Case, 0, len(snap.Errors))
	for _, e := range snap.Errors {
		rel, err := filepath.Rel(dir, e.File)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hostile.Case{File: rel, Doc: e.Document, Field: e.Field, Message: e.Message})
		if len(e.Field) > maxErrorField+64 || len(e.Message) > maxErrorMessage+64 {
			t.Errorf("%s: error of %d+%d bytes, want at most %d+%d", rel, len(e.Field), len(e.Message), maxErrorField, maxErrorMessage)
		}
	}
	missing, unexpected := hostile.Compare(got)
	for _, c := range missing {
		t.Errorf("no error %s", c)
	}
	for _, c := range unexpected {
		t.Errorf("unexpected error %s (%q)", c, c.Message)
	}
	if len(snap.Errors) != len(hostile.Cases) {
		t.Errorf("%d errors, want %d (one per case)", len(snap.Errors), len(hostile.Cases))
	}
	if n := len(hostile.Files()); n < 60 {
		t.Errorf("the corpus has %d files, want at least 60", n)
	}
	t.Logf("%d corpus files, %d errors, each naming its file", len(hostile.Files()), len(snap.Errors))
}
