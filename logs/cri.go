// Package logs owns container logs in the CRI format kubelet reads: the writer the container
// logger runs (lines, partial lines, rotation), the file layout under the pod logs directory, and
// the reader behind `minikubelet logs` (tail, since, timestamps, follow across rotation).
//
// A CRI log line is
//
//	2026-11-26T23:13:16.123456789Z stdout F hello
//
// a RFC 3339 timestamp with nanoseconds, the stream, P for a piece of a longer line or F for the
// end of one, and the message without its newline.
package logs

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// Stream is the standard stream a line came from.
type Stream string

const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// Tags of a CRI line.
const (
	tagPartial = 'P'
	tagFull    = 'F'
)

// MaxLineSize is the longest message one CRI line holds; a longer line is split into partial
// lines of this size, as containerd's CRI plugin does (16 KiB).
const MaxLineSize = 16 << 10

// timeFormat is the timestamp of each line (containerd's CRI plugin and kubelet use RFC3339Nano).
const timeFormat = time.RFC3339Nano

// Entry is one CRI log line.
type Entry struct {
	Time    time.Time
	Stream  Stream
	Partial bool // the message continues in the next entry of the stream
	Message []byte
}

// appendLine appends e as one CRI line, ending in a newline.
func appendLine(dst []byte, e Entry) []byte {
	dst = e.Time.AppendFormat(dst, timeFormat)
	dst = append(dst, ' ')
	dst = append(dst, e.Stream...)
	dst = append(dst, ' ')
	if e.Partial {
		dst = append(dst, tagPartial)
	} else {
		dst = append(dst, tagFull)
	}
	dst = append(dst, ' ')
	dst = append(dst, e.Message...)
	return append(dst, '\n')
}

// errBadLine is wrapped by ParseLine's errors.
var errBadLine = errors.New("not a CRI log line")

// ParseLine parses one CRI line, with or without its newline. The message aliases line.
func ParseLine(line []byte) (Entry, error) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return Entry{}, fmt.Errorf("%w: no stream: %q", errBadLine, clip(line))
	}
	t, err := time.Parse(timeFormat, string(ts))
	if err != nil {
		return Entry{}, fmt.Errorf("%w: timestamp: %w", errBadLine, err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return Entry{}, fmt.Errorf("%w: no tag: %q", errBadLine, clip(line))
	}
	e := Entry{Time: t, Stream: Stream(stream)}
	if e.Stream != Stdout && e.Stream != Stderr {
		return Entry{}, fmt.Errorf("%w: unknown stream %q", errBadLine, stream)
	}
	// The tag may be followed by a space and the message, or end the line (an empty message).
	tag, msg, _ := bytes.Cut(rest, []byte{' '})
	switch {
	case len(tag) == 1 && tag[0] == tagFull:
	case len(tag) == 1 && tag[0] == tagPartial:
		e.Partial = true
	default:
		return Entry{}, fmt.Errorf("%w: unknown tag %q", errBadLine, tag)
	}
	e.Message = msg
	return e, nil
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
