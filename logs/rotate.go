package logs

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rotatedTimeFormat is the suffix of a rotated file, as kubelet names them: N.log.20261126-231316.
const rotatedTimeFormat = "20060102-150405"

// Default rotation limits, kubelet's.
const (
	DefaultMaxSize  = 10 << 20
	DefaultMaxFiles = 5
)

// RotatingFile is the Sink of one container instance's log file. A line that would take the file
// past MaxSize first moves the file aside as PATH.TIMESTAMP (PATH.TIMESTAMP.N when that name is
// taken within the same second) and starts a fresh one, then the oldest rotated files beyond
// MaxFiles-1 are removed. Lines are never split across files, so rotation loses none.
type RotatingFile struct {
	path     string
	maxSize  int64
	maxFiles int
	now      func() time.Time

	mu   sync.Mutex // guards f and size, and serialises the writers of both streams
	f    *os.File
	size int64
}

// OpenRotatingFile opens (appending) or creates path. maxSize <= 0 never rotates; maxFiles counts
// the current file, so fewer than 2 keeps no rotated file.
func OpenRotatingFile(path string, maxSize int64, maxFiles int, now func() time.Time) (*RotatingFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create log directory of %s: %w", path, err)
	}
	r := &RotatingFile{path: path, maxSize: maxSize, maxFiles: maxFiles, now: now}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log file %s: %w", r.path, err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

// WriteLine appends one whole line, rotating first when it would not fit.
func (r *RotatingFile) WriteLine(line []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		// An earlier rotation failed to open the fresh file: try again.
		if err := r.open(); err != nil {
			return err
		}
	}
	if r.maxSize > 0 && r.size > 0 && r.size+int64(len(line)) > r.maxSize {
		if err := r.rotate(); err != nil {
			return err
		}
	}
	n, err := r.f.Write(line)
	r.size += int64(n)
	if err != nil {
		return fmt.Errorf("write log file %s: %w", r.path, err)
	}
	return nil
}

// rotate moves the current file aside, opens a fresh one and prunes the oldest. Called with mu.
func (r *RotatingFile) rotate() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("close log file %s: %w", r.path, err)
	}
	r.f = nil
	base := r.path + "." + r.now().Format(rotatedTimeFormat)
	dest := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(dest); errors.Is(err, os.ErrNotExist) {
			break
		}
		dest = base + "." + strconv.Itoa(i)
	}
	if err := os.Rename(r.path, dest); err != nil {
		return fmt.Errorf("rotate log file %s: %w", r.path, err)
	}
	if err := r.open(); err != nil {
		return err
	}
	return r.prune()
}

// prune removes the oldest rotated files beyond maxFiles-1.
func (r *RotatingFile) prune() error {
	rotated, err := RotatedFiles(r.path)
	if err != nil {
		return err
	}
	keep := max(r.maxFiles-1, 0)
	var errs []error
	for _, old := range rotated[:max(len(rotated)-keep, 0)] {
		if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove rotated log file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Close closes the current file.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// RotatedFiles lists the rotated files of path, oldest first.
func RotatedFiles(path string) ([]string, error) {
	matches, err := filepath.Glob(globEscape(path) + ".*")
	if err != nil {
		return nil, fmt.Errorf("list rotated files of %s: %w", path, err)
	}
	type rotated struct {
		name string
		when string
		seq  int
	}
	var files []rotated
	for _, m := range matches {
		suffix := strings.TrimPrefix(m, path+".")
		when, seqText, hasSeq := strings.Cut(suffix, ".")
		if _, err := time.Parse(rotatedTimeFormat, when); err != nil {
			continue // not ours (a temporary or compressed file)
		}
		seq := 0
		if hasSeq {
			if seq, err = strconv.Atoi(seqText); err != nil {
				continue
			}
		}
		files = append(files, rotated{name: m, when: when, seq: seq})
	}
	slices.SortFunc(files, func(a, b rotated) int {
		if c := strings.Compare(a.when, b.when); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, nil
}

// globEscape escapes the glob metacharacters of a literal path.
func globEscape(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
