package logs

import "io"

// lineWriter turns CRI lines into what a reader sees, applying since, tail and timestamps. Until
// endBacklog it keeps the last TailLines lines in memory; after it, lines go straight out.
type lineWriter struct {
	w    io.Writer
	opts ReadOptions

	backlog   bool
	tail      [][]byte // with TailLines >= 0, the last lines, oldest first
	atStart   map[Stream]bool
	scratch   []byte
	unflushed bool
}

func newLineWriter(w io.Writer, opts ReadOptions) *lineWriter {
	return &lineWriter{w: w, opts: opts, backlog: opts.TailLines >= 0, atStart: map[Stream]bool{Stdout: true, Stderr: true}}
}

// writeRaw takes one CRI line from a file. A line that does not parse is skipped, as kubelet
// does: a reader cannot show it.
func (lw *lineWriter) writeRaw(raw []byte) error {
	e, err := ParseLine(raw)
	if err != nil {
		return nil
	}
	if !lw.opts.Since.IsZero() && e.Time.Before(lw.opts.Since) {
		return nil
	}
	b := lw.scratch[:0]
	if lw.opts.Timestamps && lw.atStart[e.Stream] {
		b = e.Time.AppendFormat(b, timeFormat)
		b = append(b, ' ')
	}
	b = append(b, e.Message...)
	if !e.Partial {
		b = append(b, '\n')
	}
	lw.atStart[e.Stream] = !e.Partial
	if lw.backlog {
		lw.keep(b)
		return nil
	}
	lw.scratch = b
	lw.unflushed = true
	_, err = lw.w.Write(b)
	return err
}

// keep adds output to the tail, a partial entry joining the line it starts.
func (lw *lineWriter) keep(b []byte) {
	if len(b) == 0 {
		return // an empty partial entry adds nothing
	}
	n := len(lw.tail)
	if n > 0 && unfinished(lw.tail[n-1]) {
		lw.tail[n-1] = append(lw.tail[n-1], b...)
	} else {
		lw.tail = append(lw.tail, append([]byte(nil), b...))
	}
	if int64(len(lw.tail)-1) > lw.opts.TailLines { // (TailLines+1 overflows at MaxInt64)
		// One spare slot: the newest may still be unfinished.
		lw.tail = lw.tail[1:]
	}
}

// endBacklog writes the kept tail; later lines go straight out.
func (lw *lineWriter) endBacklog() error {
	if !lw.backlog {
		return lw.flush()
	}
	lw.backlog = false
	lines := lw.tail
	lw.tail = nil
	complete := len(lines)
	if complete > 0 && unfinished(lines[complete-1]) {
		complete-- // an unfinished last line does not count against the tail
	}
	start := max(complete-int(min(lw.opts.TailLines, int64(complete))), 0)
	for _, l := range lines[start:] {
		if _, err := lw.w.Write(l); err != nil {
			return err
		}
		lw.unflushed = true
	}
	return lw.flush()
}

// unfinished reports whether a kept line still waits for the rest of a partial entry.
func unfinished(line []byte) bool { return len(line) == 0 || line[len(line)-1] != '\n' }

// flush pushes what was written to an HTTP client.
func (lw *lineWriter) flush() error {
	if !lw.unflushed {
		return nil
	}
	lw.unflushed = false
	if f, ok := lw.w.(interface{ Flush() }); ok { // an http.ResponseWriter
		f.Flush()
	}
	return nil
}
