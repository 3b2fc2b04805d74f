package images

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIsArchive(t *testing.T) {
	tests := []struct {
		name string
		file string
		want bool
	}{
		{name: "tar", file: "busybox.tar", want: true},
		{name: "tar.gz", file: "busybox.tar.gz", want: true},
		{name: "tgz", file: "busybox.tgz", want: true},
		{name: "oci", file: "app.oci", want: true},
		{name: "dotfile", file: ".busybox.tar", want: false},
		{name: "partial download", file: "busybox.tar.part", want: false},
		{name: "editor backup", file: "busybox.tar~", want: false},
		{name: "other extension", file: "notes.txt", want: false},
		{name: "zip", file: "image.zip", want: false},
		{name: "extension only in the middle", file: "a.tar.bak", want: false},
		{name: "no extension", file: "busybox", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isArchive(tc.file); got != tc.want {
				t.Errorf("isArchive(%q) = %v, want %v", tc.file, got, tc.want)
			}
		})
	}
}

// fakeImporter records the archives it is asked to import; those named in fail return an error.
type fakeImporter struct {
	calls []string        // base names, in call order
	fail  map[string]bool // base name -> fail
	// during, if set, runs inside each import (to cancel the context, say).
	during func(name string)
}

func (f *fakeImporter) ImportArchive(ctx context.Context, path string) ([]string, error) {
	name := filepath.Base(path)
	f.calls = append(f.calls, name)
	if f.during != nil {
		f.during(name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.fail[name] {
		return nil, errors.New("not an image archive")
	}
	return []string{"docker.io/library/" + strings.TrimSuffix(name, filepath.Ext(name)) + ":latest"}, nil
}

// An images dir under test: every step changes the directory, then Sync runs once.
type syncStep struct {
	name      string
	change    func(t *testing.T, dir string)
	wantCalls []string // base names imported by this step's Sync, in order
	wantLog   string   // substring the log must hold after this step
}

var stamp0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// A fixed mtime: only what a step does on purpose changes it.
	if err := os.Chtimes(p, stamp0, stamp0); err != nil {
		t.Fatal(err)
	}
}

func touch(t *testing.T, dir, name string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(dir, name), mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestDirSync(t *testing.T) {
	tests := []struct {
		name    string
		missing bool            // start without the directory
		fail    map[string]bool // archives the importer fails on
		steps   []syncStep
	}{
		{
			name: "imports each archive once",
			steps: []syncStep{
				{name: "first scan", change: func(t *testing.T, dir string) {
					for _, n := range []string{"d.oci", "a.tar", "c.tgz", "b.tar.gz"} {
						writeFile(t, dir, n, "archive "+n)
					}
				}, wantCalls: []string{"a.tar", "b.tar.gz", "c.tgz", "d.oci"}, wantLog: "imported image archive"},
				{name: "nothing changed"},
				{name: "a new one", change: func(t *testing.T, dir string) { writeFile(t, dir, "e.tar", "e") },
					wantCalls: []string{"e.tar"}},
			},
		},
		{
			name: "re-imports a changed file",
			steps: []syncStep{
				{name: "first scan", change: func(t *testing.T, dir string) { writeFile(t, dir, "a.tar", "v1") },
					wantCalls: []string{"a.tar"}},
				{name: "different size, same mtime", change: func(t *testing.T, dir string) { writeFile(t, dir, "a.tar", "version 2") },
					wantCalls: []string{"a.tar"}},
				{name: "same size, different mtime", change: func(t *testing.T, dir string) { touch(t, dir, "a.tar", stamp0.Add(time.Hour)) },
					wantCalls: []string{"a.tar"}},
				{name: "settled"},
			},
		},
		{
			name: "ignores dotfiles, non-archives and directories",
			steps: []syncStep{
				{name: "scan", change: func(t *testing.T, dir string) {
					writeFile(t, dir, ".hidden.tar", "x")
					writeFile(t, dir, "notes.txt", "x")
					writeFile(t, dir, "big.tar.part", "x")
					if err := os.Mkdir(filepath.Join(dir, "subdir.tar"), 0o755); err != nil {
						t.Fatal(err)
					}
					writeFile(t, filepath.Join(dir, "subdir.tar"), "inner.tar", "x")
				}},
			},
		},
		{
			name: "follows a symlink to an archive, skips a dangling one",
			steps: []syncStep{
				{name: "scan", change: func(t *testing.T, dir string) {
					elsewhere := t.TempDir()
					writeFile(t, elsewhere, "real.tar", "x")
					writeFile(t, dir, "plain.tar", "x")
					if err := os.Symlink(filepath.Join(elsewhere, "real.tar"), filepath.Join(dir, "link.tar")); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(filepath.Join(elsewhere, "gone.tar"), filepath.Join(dir, "dangling.tar")); err != nil {
						t.Fatal(err)
					}
				}, wantCalls: []string{"link.tar", "plain.tar"}},
			},
		},
		{
			name:    "a missing directory is fine, and is picked up once it exists",
			missing: true,
			steps: []syncStep{
				{name: "no directory"},
				{name: "directory appears", change: func(t *testing.T, dir string) { writeFile(t, dir, "a.tar", "x") },
					wantCalls: []string{"a.tar"}},
			},
		},
		{
			name: "an import error is logged and not retried until the file changes",
			fail: map[string]bool{"bad.tar": true},
			steps: []syncStep{
				{name: "first scan", change: func(t *testing.T, dir string) {
					writeFile(t, dir, "bad.tar", "garbage")
					writeFile(t, dir, "good.tar", "image")
				}, wantCalls: []string{"bad.tar", "good.tar"}, wantLog: "bad.tar"},
				{name: "unchanged: not retried"},
				{name: "touched: retried", change: func(t *testing.T, dir string) { touch(t, dir, "bad.tar", stamp0.Add(time.Minute)) },
					wantCalls: []string{"bad.tar"}},
				{name: "unchanged again"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "images")
			if !tc.missing {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			imp := &fakeImporter{fail: tc.fail}
			d := NewDir(dir, imp, 0, slog.New(slog.NewTextHandler(&logs, nil)))
			for _, step := range tc.steps {
				if step.change != nil {
					step.change(t, dir)
				}
				imp.calls = nil
				if err := d.Sync(context.Background()); err != nil {
					t.Fatalf("%s: Sync: %v", step.name, err)
				}
				if !reflect.DeepEqual(imp.calls, step.wantCalls) {
					t.Errorf("%s: imported %q, want %q", step.name, imp.calls, step.wantCalls)
				}
				if step.wantLog != "" && !strings.Contains(logs.String(), step.wantLog) {
					t.Errorf("%s: log does not mention %q:\n%s", step.name, step.wantLog, logs.String())
				}
			}
		})
	}
}

func TestDirSyncImportErrorLogged(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.tar", "garbage")
	var logs bytes.Buffer
	d := NewDir(dir, &fakeImporter{fail: map[string]bool{"bad.tar": true}}, 0, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := d.Sync(context.Background()); err != nil {
		t.Fatalf("Sync returned %v; an import failure must be logged, not returned", err)
	}
	for _, want := range []string{"level=ERROR", "import image archive", filepath.Join(dir, "bad.tar"), "not an image archive"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not mention %q:\n%s", want, logs.String())
		}
	}
}

func TestDirSyncCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.tar", "x")
	writeFile(t, dir, "b.tar", "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	imp := &fakeImporter{during: func(string) { cancel() }}
	d := NewDir(dir, imp, 0, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err := d.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled import = %v, want context.Canceled", err)
	}
	if want := []string{"a.tar"}; !reflect.DeepEqual(imp.calls, want) {
		t.Errorf("imported %q before stopping, want %q", imp.calls, want)
	}
	// The interrupted archive was not handled: the next sync imports it (and the rest).
	imp.calls, imp.during = nil, nil
	if err := d.Sync(context.Background()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if want := []string{"a.tar", "b.tar"}; !reflect.DeepEqual(imp.calls, want) {
		t.Errorf("after the cancelled sync imported %q, want %q", imp.calls, want)
	}
}

func TestDirSyncNotADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "images")
	writeFile(t, filepath.Dir(file), "images", "x")
	d := NewDir(file, &fakeImporter{}, 0, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err := d.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "read images dir") {
		t.Errorf("Sync on a file = %v, want a read images dir error", err)
	}
}

// TestDirSyncReAdded: an archive removed and later put back with the same size and mtime (rsync -a,
// cp -p, mv back) is "added" and must be imported again: the image may have been removed from the
// runtime in between.
func TestDirSyncReAdded(t *testing.T) {
	tests := []struct {
		name    string
		putBack func(t *testing.T, dir string)
	}{
		{name: "same content and mtime", putBack: func(t *testing.T, dir string) { writeFile(t, dir, "a.tar", "x") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			imp := &fakeImporter{}
			d := NewDir(dir, imp, 0, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
			writeFile(t, dir, "a.tar", "x")
			if err := d.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, "a.tar")); err != nil {
				t.Fatal(err)
			}
			if err := d.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			tc.putBack(t, dir)
			imp.calls = nil
			if err := d.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if want := []string{"a.tar"}; !reflect.DeepEqual(imp.calls, want) {
				t.Errorf("after putting the archive back imported %q, want %q", imp.calls, want)
			}
		})
	}
}
