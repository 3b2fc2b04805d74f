package manifest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// waitLimit bounds every wait for a snapshot; the source normally answers within the debounce.
const waitLimit = 10 * time.Second

func podYAML(name, image string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  containers:\n  - name: main\n    image: %s\n", name, image)
}

// harness runs a Source on a directory and reads its snapshots.
type harness struct {
	t   *testing.T
	dir string
	out chan Snapshot
}

func startSource(t *testing.T, dir string, resync time.Duration) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, dir: dir, out: make(chan Snapshot)}
	src := NewSource(Config{Dir: dir, NodeName: "node-1", ResyncPeriod: resync, Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, h.out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return after cancel")
		}
	})
	return h
}

// next returns the next snapshot the source sends.
func (h *harness) next() Snapshot {
	h.t.Helper()
	select {
	case s := <-h.out:
		return s
	case <-time.After(waitLimit):
		h.t.Fatalf("no snapshot within %s", waitLimit)
		return Snapshot{}
	}
}

// waitFor reads snapshots until one satisfies cond, failing at the deadline.
func (h *harness) waitFor(what string, cond func(Snapshot) bool) Snapshot {
	h.t.Helper()
	deadline := time.After(waitLimit)
	var last Snapshot
	for {
		select {
		case s := <-h.out:
			if cond(s) {
				return s
			}
			last = s
		case <-deadline:
			h.t.Fatalf("no snapshot with %s within %s; last: %v", what, waitLimit, last)
			return Snapshot{}
		}
	}
}

func (h *harness) write(name, content string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// writeRename writes content to a temporary name and renames it into place, as editors and
// configuration tools do.
func (h *harness) writeRename(name, content string) {
	h.t.Helper()
	tmp := filepath.Join(h.dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(h.dir, name)); err != nil {
		h.t.Fatal(err)
	}
}

func names(s Snapshot) string {
	var n []string
	for _, p := range s.Pods {
		n = append(n, p.Name)
	}
	return strings.Join(n, ",")
}

func podsAre(want string) func(Snapshot) bool {
	return func(s Snapshot) bool { return names(s) == want }
}

// TestSourceLifecycle drives one source through the life of a manifest directory. The resync
// period is long, so every change must arrive through the file-system watch.
func TestSourceLifecycle(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(podYAML("web", "nginx:1.27")), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startSource(t, dir, time.Hour)

	first := h.next()
	if names(first) != "web" || len(first.Errors) != 0 {
		t.Fatalf("initial snapshot = %v, want just web", first)
	}
	webUID := first.Pods[0].UID
	if got := first.Pods[0].Annotations[AnnotationSourceFile]; got != filepath.Join(dir, "web.yaml") {
		t.Errorf("source-file annotation = %q", got)
	}

	// Ignored names first, then a real file: the next snapshot holds only the real change.
	h.write(".hidden.yaml", podYAML("hidden", "busybox"))
	h.write("web.yaml~", podYAML("backup", "busybox"))
	h.write("web.yaml.bak", podYAML("bak", "busybox"))
	h.write("db.yaml", podYAML("db", "postgres:16"))
	if s := h.next(); names(s) != "db,web" || len(s.Errors) != 0 {
		t.Fatalf("after adding db.yaml and ignored files: %v, want db,web and no errors", s)
	}

	// A mistyped edit: the previous web keeps running, with an error saying so.
	h.write("web.yaml", podYAML("web", "nginx:1.27")+"    bogus: true\n")
	s := h.waitFor("an error on web.yaml", func(s Snapshot) bool { return len(s.Errors) > 0 })
	if names(s) != "db,web" || s.Pods[1].UID != webUID {
		t.Errorf("after a bad edit: %v, want db and the previous web", s)
	}
	e := s.Errors[0]
	if e.File != filepath.Join(dir, "web.yaml") || e.Document != 1 || e.Field != "spec.containers[0].bogus" ||
		e.Message != "unknown field"+keptSuffix {
		t.Errorf("error = %#v", e)
	}

	// Write-then-rename of a fixed version: a new web (new UID), no errors.
	h.writeRename("web.yaml", podYAML("web", "nginx:1.28"))
	s = h.waitFor("the fixed web", func(s Snapshot) bool { return len(s.Errors) == 0 })
	if names(s) != "db,web" || s.Pods[1].UID == webUID || s.Pods[1].Spec.Containers[0].Image != "nginx:1.28" {
		t.Errorf("after write-then-rename: %v, want db and a new web", s)
	}

	// A second file defining web is refused; the running web stays.
	runningWeb := s.Pods[1].UID
	h.write("aaa.yaml", podYAML("web", "httpd"))
	s = h.waitFor("a duplicate error", func(s Snapshot) bool { return len(s.Errors) > 0 })
	if names(s) != "db,web" || s.Pods[1].UID != runningWeb {
		t.Errorf("after a duplicate: %v, want db and the running web", s)
	}
	if e := s.Errors[0]; e.File != filepath.Join(dir, "aaa.yaml") || e.Field != "metadata.name" ||
		!strings.Contains(e.Message, filepath.Join(dir, "web.yaml")) {
		t.Errorf("duplicate error = %#v", e)
	}

	// Removing web.yaml removes its pod; the duplicate then gets its turn.
	if err := os.Remove(filepath.Join(dir, "web.yaml")); err != nil {
		t.Fatal(err)
	}
	s = h.waitFor("web from aaa.yaml", func(s Snapshot) bool { return len(s.Errors) == 0 })
	if names(s) != "web,db" || s.Pods[0].Spec.Containers[0].Image != "httpd" {
		t.Errorf("after removing web.yaml: %v, want web (httpd) then db", s)
	}

	// Removing every file leaves an empty set.
	for _, f := range []string{"aaa.yaml", "db.yaml"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	h.waitFor("no pods", podsAre(""))
}

// TestSourceMissingDirectory starts on a directory that does not exist yet; the resync picks
// it up once it appears.
func TestSourceMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pods")
	h := startSource(t, dir, 50*time.Millisecond)

	s := h.next()
	if len(s.Pods) != 0 || len(s.Errors) != 1 || s.Errors[0].File != dir || s.Errors[0].Document != 0 ||
		!strings.Contains(s.Errors[0].Message, "does not exist") {
		t.Fatalf("snapshot of a missing directory = %v", s)
	}

	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.write("web.yaml", podYAML("web", "nginx"))
	h.waitFor("web", func(s Snapshot) bool { return names(s) == "web" && len(s.Errors) == 0 })

	// Replace the directory: the new one is watched, the pods follow its content.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the directory gone", func(s Snapshot) bool { return len(s.Pods) == 0 && len(s.Errors) == 1 })
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.write("db.yaml", podYAML("db", "postgres"))
	h.waitFor("db", func(s Snapshot) bool { return names(s) == "db" && len(s.Errors) == 0 })
}

// TestSourceSnapshotsAreCopies checks that a receiver may change the pods it gets.
func TestSourceSnapshotsAreCopies(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(podYAML("web", "nginx")), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startSource(t, dir, time.Hour)
	s := h.next()
	s.Pods[0].UID = types.UID("changed")
	s.Pods[0].Annotations = nil

	h.write("db.yaml", podYAML("db", "postgres"))
	s = h.waitFor("db and web", podsAre("db,web"))
	if web := s.Pods[1]; web.UID == "changed" || web.Annotations[AnnotationConfigHash] != string(web.UID) {
		t.Errorf("the receiver's change leaked into the source: %+v", web.ObjectMeta)
	}
}

func TestSourceRunConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no directory", cfg: Config{NodeName: "node-1"}},
		{name: "no node name", cfg: Config{Dir: t.TempDir()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := NewSource(tt.cfg).Run(context.Background(), make(chan Snapshot)); err == nil {
				t.Error("Run succeeded, want an error")
			}
		})
	}
}

// TestScannerLogsEachErrorOnce checks that a refused document is logged when it appears, not
// at every relist, and again if it comes back after being fixed.
func TestScannerLogsEachErrorOnce(t *testing.T) {
	dir := t.TempDir()
	var logs strings.Builder
	sc := &scanner{dir: dir, nodeName: "node-1", log: slog.New(slog.NewTextHandler(&logs, nil)),
		prev: accepted{}, logged: map[FileError]bool{}}
	count := func() int { return strings.Count(logs.String(), "refused manifest") }
	bad := filepath.Join(dir, "bad.yaml")
	steps := []struct {
		name    string
		content string // written to bad.yaml before the scan
		want    int    // warnings logged so far
	}{
		{name: "first scan", content: "kind: Pod\n", want: 1},
		{name: "relist", content: "kind: Pod\n", want: 1},
		{name: "another relist", content: "kind: Pod\n", want: 1},
		{name: "fixed", content: podYAML("good", "busybox"), want: 1},
		{name: "broken again", content: "kind: Pod\n", want: 2},
	}
	for _, st := range steps {
		if err := os.WriteFile(bad, []byte(st.content), 0o644); err != nil {
			t.Fatal(err)
		}
		sc.scan()
		if got := count(); got != st.want {
			t.Errorf("%s: %d warnings logged, want %d:\n%s", st.name, got, st.want, logs.String())
		}
	}
}

// TestScannerUnreadableDirectoryKeepsPods checks that a directory that cannot be listed (here
// replaced by a file) keeps the previous pods, while a missing one means no pods.
func TestScannerUnreadableDirectoryKeepsPods(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pods")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(podYAML("web", "nginx")), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := &scanner{dir: dir, nodeName: "node-1", log: slog.New(slog.DiscardHandler), prev: accepted{}, logged: map[FileError]bool{}}
	if s := sc.scan(); names(s) != "web" {
		t.Fatalf("first scan = %v", s)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := sc.scan()
	if names(s) != "web" || len(s.Errors) != 1 || !strings.HasSuffix(s.Errors[0].Message, keptSuffix) {
		t.Errorf("scan of an unlistable directory = %v, want web kept and one error", s)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if s := sc.scan(); len(s.Pods) != 0 || len(s.Errors) != 1 {
		t.Errorf("scan of a missing directory = %v, want no pods and one error", s)
	}
}
