package logs

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// memorySink keeps the lines written to it.
type memorySink struct {
	mu    sync.Mutex
	lines []string
}

func (s *memorySink) WriteLine(line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, string(line))
	return nil
}

func fixedClock() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }

func TestCopyStream(t *testing.T) {
	long := strings.Repeat("x", MaxLineSize)
	tests := []struct {
		name  string
		input string
		want  []string // "TAG MESSAGE"
	}{
		{name: "lines", input: "a\nb c\n", want: []string{"F a", "F b c"}},
		{name: "empty line", input: "\n", want: []string{"F "}},
		{name: "no newline at the end", input: "a\nrest", want: []string{"F a", "P rest"}},
		{name: "exactly max", input: long + "\n", want: []string{"F " + long}},
		{name: "one past max", input: long + "y\n", want: []string{"P " + long, "F y"}},
		{name: "two pieces and a bit", input: long + long + "z\nnext\n", want: []string{"P " + long, "P " + long, "F z", "F next"}},
		{name: "nothing", input: "", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sink memorySink
			if err := CopyStream(strings.NewReader(tc.input), Stderr, &sink, fixedClock); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range sink.lines {
				e, err := ParseLine([]byte(l))
				if err != nil {
					t.Fatal(err)
				}
				if e.Stream != Stderr {
					t.Errorf("stream = %s", e.Stream)
				}
				tag := "F"
				if e.Partial {
					tag = "P"
				}
				got = append(got, tag+" "+string(e.Message))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines =\n%.200q\nwant\n%.200q", got, tc.want)
			}
		})
	}
}
