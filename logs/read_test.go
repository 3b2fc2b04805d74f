package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeLog writes a log file of entries at second offsets from fixedClock.
func writeLog(t *testing.T, path string, entries ...Entry) {
	t.Helper()
	var b []byte
	for _, e := range entries {
		b = appendLine(b, e)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

func at(sec int, stream Stream, partial bool, msg string) Entry {
	return Entry{Time: fixedClock().Add(time.Duration(sec) * time.Second), Stream: stream, Partial: partial, Message: []byte(msg)}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	writeLog(t, path+".20261126-000000",
		at(1, Stdout, false, "one"),
		at(2, Stderr, false, "two"),
	)
	writeLog(t, path,
		at(3, Stdout, true, ""), // an empty partial entry (hand-edited files have them) adds nothing
		at(3, Stdout, true, "thr"),
		at(3, Stdout, false, "ee"),
		at(4, Stdout, false, "four"),
		at(5, Stdout, true, "unfinished"),
	)
	tests := []struct {
		name string
		opts ReadOptions
		want string
	}{
		{name: "all", opts: ReadOptions{TailLines: -1}, want: "one\ntwo\nthree\nfour\nunfinished"},
		{name: "tail 2", opts: ReadOptions{TailLines: 2}, want: "three\nfour\nunfinished"},
		{name: "tail 0", opts: ReadOptions{TailLines: 0}, want: "unfinished"},
		{name: "tail beyond", opts: ReadOptions{TailLines: 99}, want: "one\ntwo\nthree\nfour\nunfinished"},
		{name: "tail max", opts: ReadOptions{TailLines: math.MaxInt64}, want: "one\ntwo\nthree\nfour\nunfinished"},
		{name: "since", opts: ReadOptions{TailLines: -1, Since: fixedClock().Add(3 * time.Second)}, want: "three\nfour\nunfinished"},
		{name: "timestamps", opts: ReadOptions{TailLines: 1, Timestamps: true},
			want: "2026-11-26T00:00:04Z four\n2026-11-26T00:00:05Z unfinished"},
		{name: "timestamps once per line", opts: ReadOptions{TailLines: -1, Timestamps: true, Since: fixedClock().Add(3 * time.Second)},
			want: "2026-11-26T00:00:03Z three\n2026-11-26T00:00:04Z four\n2026-11-26T00:00:05Z unfinished"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Read(context.Background(), path, tc.opts, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got %q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	err := Read(context.Background(), filepath.Join(t.TempDir(), "0.log"), ReadOptions{TailLines: -1}, &bytes.Buffer{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a reader goroutine and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFollowAcrossRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	clock := &steppingClock{t: fixedClock(), step: 300 * time.Millisecond}
	f, err := OpenRotatingFile(path, 120, 100, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := func(i int) {
		t.Helper()
		if err := f.WriteLine(appendLine(nil, Entry{Time: clock.now(), Stream: Stdout, Message: []byte(fmt.Sprintf("line %02d", i))})); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	var running atomic.Bool
	running.Store(true)
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Read(context.Background(), path, ReadOptions{TailLines: -1, Follow: true, Running: running.Load, PollInterval: time.Millisecond}, &out)
	}()
	var want strings.Builder
	want.WriteString("line 00\n")
	for i := 1; i < 40; i++ {
		write(i)
		fmt.Fprintf(&want, "line %02d\n", i)
		if i%10 == 0 {
			// Let the follower catch up now and then, so that it meets rotations mid-file.
			waitFor(t, func() bool { return strings.HasSuffix(out.String(), fmt.Sprintf("line %02d\n", i)) })
		}
	}
	running.Store(false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Errorf("followed:\n%s\nwant\n%s", out.String(), want.String())
	}
}

func TestFollowEndsWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	writeLog(t, path, at(1, Stdout, false, "x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := Read(ctx, path, ReadOptions{TailLines: -1, Follow: true, Running: func() bool { return true }}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "x\n" {
		t.Errorf("got %q", out.String())
	}
}

// waitFor polls cond for up to 10 s (a follower goroutine catching up).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
