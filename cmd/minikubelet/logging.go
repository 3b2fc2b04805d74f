package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// loggingOptions say how the agent logs.
type loggingOptions struct {
	Format string // "text" or "json"
	Level  string // debug, info, warn, error
	// Journal drops our own timestamps: journald stamps every line itself.
	Journal bool
}

// newLogger makes the agent's structured logger on w.
func newLogger(w io.Writer, opts loggingOptions) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(opts.Level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	ho := &slog.HandlerOptions{Level: level}
	if opts.Journal {
		ho.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
	}
	switch opts.Format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	default:
		return nil, fmt.Errorf("--log-format: %q is neither text nor json", opts.Format)
	}
}

// stderrIsJournal tells whether stderr is connected to journald: systemd sets JOURNAL_STREAM to
// the "DEVICE:INODE" of the stream it gave the service, and the variable is only trusted when
// stderr still is that stream (a child of the service may have redirected it).
func stderrIsJournal(journalStream string, stderr *os.File) bool {
	dev, ino, ok := strings.Cut(journalStream, ":")
	if !ok {
		return false
	}
	wantDev, err1 := strconv.ParseUint(dev, 10, 64)
	wantIno, err2 := strconv.ParseUint(ino, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(stderr.Fd()), &st); err != nil {
		return false
	}
	return uint64(st.Dev) == wantDev && uint64(st.Ino) == wantIno
}
