package logs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ReadOptions are kubelet's log options (kubectl logs' flags).
type ReadOptions struct {
	// TailLines keeps only the last lines when >= 0; negative means every line.
	TailLines int64
	// Since drops entries older than it when not zero.
	Since time.Time
	// Timestamps starts each line with its RFC 3339 timestamp and a space.
	Timestamps bool
	// Follow keeps reading new lines, across rotations, until Running reports false or ctx ends.
	Follow bool
	// Running reports whether the container is still running (only with Follow).
	Running func() bool
	// PollInterval is how often a follower looks for new lines (default 250ms).
	PollInterval time.Duration
}

// defaultPollInterval is how often a follower looks for new lines.
const defaultPollInterval = 250 * time.Millisecond

// Read writes the log of one container instance, whose current file is path, to w: its rotated
// files oldest first, then path; the messages only (each line's timestamp too with Timestamps),
// both streams in file order. With Follow it then waits for new lines, across rotations, until
// Running reports false (and the last lines are out) or ctx ends. A missing log wraps
// os.ErrNotExist.
func Read(ctx context.Context, path string, opts ReadOptions, w io.Writer) error {
	out := newLineWriter(w, opts)
	f, err := firstFile(path)
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	interval := opts.PollInterval
	if interval <= 0 {
		interval = defaultPollInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var (
		br       = bufio.NewReader(f)
		rest     []byte // an unfinished line: the logger is writing it
		backlog  = true // still reading what was there when Read began
		stopping = false
	)
	for {
		if rest, err = scan(br, rest, out); err != nil {
			return err
		}
		// Each file but the one at path has been rotated: finish it, then go on with the file
		// after it (several rotations may have happened meanwhile).
		cur, err := f.Stat()
		if err != nil {
			return fmt.Errorf("stat log file: %w", err)
		}
		if st, err := os.Stat(path); err != nil || !os.SameFile(st, cur) {
			nf, err := nextFile(path, cur)
			if err != nil {
				return err
			}
			if nf != nil {
				f.Close()
				f, br, rest = nf, bufio.NewReader(nf), nil
				continue
			}
			// Between a rotation's rename and its new file: look again on the next round.
		}
		if backlog {
			backlog = false
			if err := out.endBacklog(); err != nil {
				return err
			}
			if !opts.Follow {
				return nil
			}
		}
		if err := out.flush(); err != nil {
			return err
		}
		if stopping {
			return nil
		}
		if opts.Running != nil && !opts.Running() {
			// One more round after a pause, for the lines the logger writes as the container ends.
			stopping = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// scan writes the complete lines br holds until EOF, the first one starting with rest, and returns
// the bytes of an unfinished last line (a line still being written).
func scan(br *bufio.Reader, rest []byte, out *lineWriter) ([]byte, error) {
	for {
		line, err := br.ReadBytes('\n')
		if len(rest) > 0 {
			line, rest = append(rest, line...), nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return line, nil
			}
			return nil, fmt.Errorf("read log file: %w", err)
		}
		if err := out.writeRaw(line); err != nil {
			return nil, err
		}
	}
}

// firstFile opens the oldest of path's files.
func firstFile(path string) (*os.File, error) {
	for range 10 {
		files, err := Files(path)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(files[0])
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrNotExist) || len(files) == 1 {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		// Pruned between the listing and the open: list again.
	}
	return nil, fmt.Errorf("log file %s keeps rotating under the reader", path)
}

// nextFile opens the file that follows cur among path's files (its rotated files, then path), or
// the oldest one left when cur has been pruned. It checks, after opening, that no rotation moved
// the files meanwhile. It returns nil and no error when there is no next file yet.
func nextFile(path string, cur os.FileInfo) (*os.File, error) {
	for range 10 {
		files, infos, err := statFiles(path)
		if err != nil {
			return nil, err
		}
		i := indexOf(infos, cur)
		if i+1 >= len(files) || (i+1 == len(files)-1 && infos[i+1] == nil) {
			return nil, nil // cur is the newest, or path is between a rename and its new file
		}
		nf, err := os.Open(files[i+1])
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		nst, err := nf.Stat()
		if err != nil {
			nf.Close()
			return nil, fmt.Errorf("stat log file: %w", err)
		}
		_, infos, err = statFiles(path)
		if err != nil {
			nf.Close()
			return nil, err
		}
		if j := indexOf(infos, nst); j >= 0 && j == indexOf(infos, cur)+1 {
			return nf, nil
		}
		nf.Close()
	}
	return nil, fmt.Errorf("log file %s keeps rotating under the reader", path)
}

// statFiles lists path's files, oldest first, with their FileInfo (nil for one gone meanwhile).
func statFiles(path string) ([]string, []os.FileInfo, error) {
	files, err := Files(path)
	if err != nil {
		return nil, nil, err
	}
	infos := make([]os.FileInfo, len(files))
	for i, name := range files {
		infos[i], _ = os.Stat(name) // a file pruned meanwhile matches nothing
	}
	return files, infos, nil
}

// indexOf is the position of the file fi among infos, or -1.
func indexOf(infos []os.FileInfo, fi os.FileInfo) int {
	for i, info := range infos {
		if info != nil && os.SameFile(info, fi) {
			return i
		}
	}
	return -1
}
