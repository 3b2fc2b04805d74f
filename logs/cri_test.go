package logs

import (
	"strings"
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	ts := time.Date(2026, 11, 26, 23, 13, 16, 123456789, time.UTC)
	tests := []struct {
		name    string
		line    string
		want    Entry
		wantErr bool
	}{
		{name: "full", line: "2026-11-26T23:13:16.123456789Z stdout F hello world\n",
			want: Entry{Time: ts, Stream: Stdout, Message: []byte("hello world")}},
		{name: "partial stderr", line: "2026-11-26T23:13:16.123456789Z stderr P abc",
			want: Entry{Time: ts, Stream: Stderr, Partial: true, Message: []byte("abc")}},
		{name: "empty message", line: "2026-11-26T23:13:16.123456789Z stdout F\n",
			want: Entry{Time: ts, Stream: Stdout}},
		{name: "message keeps spaces", line: "2026-11-26T23:13:16.123456789Z stdout F  two  spaces ",
			want: Entry{Time: ts, Stream: Stdout, Message: []byte(" two  spaces ")}},
		{name: "bad time", line: "yesterday stdout F x", wantErr: true},
		{name: "bad stream", line: "2026-11-26T23:13:16Z stdin F x", wantErr: true},
		{name: "bad tag", line: "2026-11-26T23:13:16Z stdout X x", wantErr: true},
		{name: "too short", line: "2026-11-26T23:13:16Z", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLine([]byte(tc.line))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseLine(%q) = %+v, want an error", tc.line, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Time.Equal(tc.want.Time) || got.Stream != tc.want.Stream || got.Partial != tc.want.Partial || string(got.Message) != string(tc.want.Message) {
				t.Errorf("ParseLine(%q) = %+v, want %+v", tc.line, got, tc.want)
			}
		})
	}
}

func TestAppendLineRoundTrip(t *testing.T) {
	e := Entry{Time: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), Stream: Stderr, Partial: true, Message: []byte("a b")}
	line := appendLine(nil, e)
	if want := "2026-01-02T03:04:05.0000006Z stderr P a b\n"; string(line) != want {
		t.Fatalf("line = %q, want %q", line, want)
	}
	got, err := ParseLine(line)
	if err != nil || !got.Time.Equal(e.Time) || got.Stream != e.Stream || !got.Partial || string(got.Message) != "a b" {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if strings.Count(string(line), "\n") != 1 {
		t.Fatalf("line has more than one newline: %q", line)
	}
}
