package logs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// steppingClock returns a time that advances by step on every call.
type steppingClock struct {
	t    time.Time
	step time.Duration
}

func (c *steppingClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

func TestRotatingFileKeepsEveryLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c", "0.log")
	// Several rotations within one second: names must still be unique and in order.
	clock := &steppingClock{t: fixedClock(), step: 100 * time.Millisecond}
	f, err := OpenRotatingFile(path, 200, 100, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	var input strings.Builder
	for i := range n {
		fmt.Fprintf(&input, "line %03d\n", i)
	}
	if err := CopyStream(strings.NewReader(input.String()), Stdout, f, clock.now); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := Files(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("files = %v, want many rotations", files)
	}
	for _, name := range files {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 200 {
			t.Errorf("%s is %d bytes, past the limit", name, st.Size())
		}
	}
	var out bytes.Buffer
	if err := Read(context.Background(), path, ReadOptions{TailLines: -1}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != input.String() {
		t.Errorf("read back:\n%s\nwant\n%s", out.String(), input.String())
	}
}

func TestRotatingFilePrunes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	clock := &steppingClock{t: fixedClock(), step: time.Second}
	f, err := OpenRotatingFile(path, 100, 3, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 50 {
		if err := f.WriteLine([]byte(fmt.Sprintf("%032d\n", i))); err != nil {
			t.Fatal(err)
		}
	}
	rotated, err := RotatedFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated) != 2 {
		t.Fatalf("rotated = %v, want the 2 newest", rotated)
	}
	// Three lines fit in 100 bytes; 50 lines end with 2 in the current file, 3 in each rotated one.
	last, _ := os.ReadFile(rotated[1])
	if want := fmt.Sprintf("%032d\n%032d\n%032d\n", 45, 46, 47); string(last) != want {
		t.Errorf("newest rotated file = %q, want %q", last, want)
	}
	if !strings.HasPrefix(filepath.Base(rotated[0]), "0.log.20261126-") {
		t.Errorf("rotated name %s is not kubelet's", rotated[0])
	}
}

func TestRotatedFilesOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "1.log")
	names := []string{"1.log.20261126-000002", "1.log.20261126-000001.10", "1.log.20261126-000001",
		"1.log.20261126-000001.2", "1.log.tmp", "1.log.20261126-000001.gz", "10.log.20261126-000000"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := RotatedFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	want := "1.log.20261126-000001 1.log.20261126-000001.2 1.log.20261126-000001.10 1.log.20261126-000002"
	if strings.Join(got, " ") != want {
		t.Errorf("RotatedFiles = %v, want %s", got, want)
	}
}
