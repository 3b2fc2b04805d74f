package logs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestLoggerConfigRoundTrip(t *testing.T) {
	want := LoggerConfig{Path: "/var/log/pods/a b&c=d/main/0.log", MaxSize: 10 << 20, MaxFiles: 5}
	got, err := ParseLoggerConfig(want.Encode())
	if err != nil || got != want {
		t.Fatalf("round trip = %+v, %v, want %+v", got, err, want)
	}
	for _, bad := range []string{"", "max-size=1&max-files=2", "path=/x&max-size=big&max-files=2", "path=/x&max-size=1"} {
		if _, err := ParseLoggerConfig(bad); err == nil {
			t.Errorf("ParseLoggerConfig(%q) succeeded", bad)
		}
	}
}

func TestRunLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ns_pod_uid", "main", "0.log")
	ready := false
	err := RunLogger(LoggerConfig{Path: path, MaxSize: 1 << 20, MaxFiles: 2},
		strings.NewReader("out 1\nout 2\n"), strings.NewReader("err 1\n"), func() { ready = true }, fixedClock)
	if err != nil {
		t.Fatal(err)
	}
	if !ready {
		t.Error("ready was not called")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		e, err := ParseLine([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(e.Stream)+" "+string(e.Message))
	}
	sort.Strings(got) // the two streams interleave in any order
	if want := "stderr err 1|stdout out 1|stdout out 2"; strings.Join(got, "|") != want {
		t.Errorf("lines = %q, want %s", got, want)
	}
	if i, j := strings.Index(string(data), "out 1"), strings.Index(string(data), "out 2"); i > j {
		t.Error("one stream's lines are out of order")
	}
}
