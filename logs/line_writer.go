package logs

import (
	"bufio"
	"errors"
	"io"
	"time"
)

// Sink takes whole CRI lines; both streams of a container write to one sink, so it must accept
// calls from two goroutines.
type Sink interface {
	WriteLine(line []byte) error
}

// CopyStream reads a container's stream until EOF and writes it to sink as CRI lines: one F line
// per newline-terminated line, P lines for each MaxLineSize piece of a longer one, and a P line
// for what is left without a newline at EOF (containerd's CRI plugin does the same). now stamps
// the lines. A failing sink does not stop the copy: the container must never block on its
// output, so lines that cannot be written are dropped and the first error is returned at the end.
func CopyStream(r io.Reader, stream Stream, sink Sink, now func() time.Time) error {
	// One byte more than a line holds, so that a line of exactly MaxLineSize bytes and its newline
	// is one F line, not a P line and an empty F line.
	br := bufio.NewReaderSize(r, MaxLineSize+1)
	var (
		firstErr error
		buf      []byte
	)
	emit := func(msg []byte, partial bool) {
		buf = appendLine(buf[:0], Entry{Time: now(), Stream: stream, Partial: partial, Message: msg})
		if err := sink.WriteLine(buf); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			emit(chunk[:len(chunk)-1], false)
		case errors.Is(err, bufio.ErrBufferFull):
			// More than MaxLineSize bytes with no newline: a partial line, and the byte past it
			// starts the next piece.
			emit(chunk[:MaxLineSize], true)
			if err := br.UnreadByte(); err != nil {
				return errors.Join(firstErr, err)
			}
		default:
			if len(chunk) > 0 {
				emit(chunk, true)
			}
			if errors.Is(err, io.EOF) {
				return firstErr
			}
			return errors.Join(firstErr, err)
		}
	}
}
