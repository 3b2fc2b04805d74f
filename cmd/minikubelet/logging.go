package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
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

// routeLogrus sends what libraries log through logrus's standard logger (the containerd client,
// through containerd/log) to log, so that every line has the agent's format. The standard logger
// is process-wide; only main calls this, once.
func routeLogrus(log *slog.Logger, level slog.Level) {
	std := logrus.StandardLogger()
	std.SetOutput(io.Discard)
	std.SetLevel(logrusLevel(level))
	std.AddHook(logrusToSlog{log: log.With("source", "containerd-client")})
}

// logrusToSlog is a logrus hook that logs each entry with slog.
type logrusToSlog struct{ log *slog.Logger }

func (h logrusToSlog) Levels() []logrus.Level { return logrus.AllLevels }

func (h logrusToSlog) Fire(e *logrus.Entry) error {
	attrs := make([]slog.Attr, 0, len(e.Data))
	for k, v := range e.Data {
		if err, ok := v.(error); ok {
			v = err.Error()
		}
		attrs = append(attrs, slog.Any(k, v))
	}
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	h.log.LogAttrs(ctx, slogLevel(e.Level), e.Message, attrs...)
	return nil
}

func slogLevel(l logrus.Level) slog.Level {
	switch {
	case l <= logrus.ErrorLevel:
		return slog.LevelError
	case l == logrus.WarnLevel:
		return slog.LevelWarn
	case l == logrus.InfoLevel:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

func logrusLevel(l slog.Level) logrus.Level {
	switch {
	case l >= slog.LevelError:
		return logrus.ErrorLevel
	case l >= slog.LevelWarn:
		return logrus.WarnLevel
	case l >= slog.LevelInfo:
		return logrus.InfoLevel
	default:
		return logrus.DebugLevel
	}
}

// logLevel is the lowest level log records.
func logLevel(log *slog.Logger) slog.Level {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn} {
		if log.Enabled(context.Background(), l) {
			return l
		}
	}
	return slog.LevelError
}
