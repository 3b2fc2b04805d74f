package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name     string
		opts     loggingOptions
		check    func(t *testing.T, line string)
		wantFail bool
	}{
		{name: "text by default", opts: loggingOptions{Level: "info"}, check: func(t *testing.T, line string) {
			if !strings.HasPrefix(line, "time=") || !strings.Contains(line, `msg=hello pod=default/web`) {
				t.Errorf("text line %q", line)
			}
		}},
		{name: "json", opts: loggingOptions{Format: "json", Level: "info"}, check: func(t *testing.T, line string) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not JSON: %q", line)
			}
			if m["msg"] != "hello" || m["pod"] != "default/web" || m["time"] == nil {
				t.Errorf("json line %v", m)
			}
		}},
		{name: "journald: no time of our own", opts: loggingOptions{Level: "info", Journal: true}, check: func(t *testing.T, line string) {
			if strings.Contains(line, "time=") || !strings.HasPrefix(line, "level=INFO msg=hello") {
				t.Errorf("journal line %q", line)
			}
		}},
		{name: "journald json", opts: loggingOptions{Format: "json", Level: "info", Journal: true}, check: func(t *testing.T, line string) {
			if strings.Contains(line, `"time"`) {
				t.Errorf("journal json line %q", line)
			}
		}},
		{name: "level filters", opts: loggingOptions{Level: "warn"}, check: func(t *testing.T, line string) {
			if line != "" {
				t.Errorf("info logged at warn: %q", line)
			}
		}},
		{name: "unknown format", opts: loggingOptions{Format: "logfmt", Level: "info"}, wantFail: true},
		{name: "unknown level", opts: loggingOptions{Level: "loud"}, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(&buf, tt.opts)
			if tt.wantFail {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Info("hello", "pod", "default/web")
			tt.check(t, strings.TrimSpace(buf.String()))
		})
	}
}

func TestStderrIsJournal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stream")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env  string
		want bool
	}{
		{fmt.Sprintf("%d:%d", st.Dev, st.Ino), true},
		{fmt.Sprintf("%d:%d", st.Dev, st.Ino+1), false}, // stderr was redirected since
		{"", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := stderrIsJournal(tt.env, f); got != tt.want {
			t.Errorf("JOURNAL_STREAM=%q: %v, want %v", tt.env, got, tt.want)
		}
	}
}

// What the containerd client logs through logrus comes out in the agent's format.
func TestLogrusToSlog(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, loggingOptions{Format: "json", Level: "info"})
	if err != nil {
		t.Fatal(err)
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.AddHook(logrusToSlog{log: log})
	l.WithField("id", "abc").WithError(errors.New("boom")).Warn("reconnecting")
	l.Debug("chatter") // below the agent's level
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not one JSON line: %q", buf.String())
	}
	if m["msg"] != "reconnecting" || m["level"] != "WARN" || m["id"] != "abc" || m["error"] != "boom" {
		t.Errorf("bridged entry %v", m)
	}
}
