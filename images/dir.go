// Package images feeds an air-gapped host: every image archive (OCI layout or `docker save`
// tarball) dropped into a directory is imported into the runtime, at start and whenever one is
// added or changed.
package images

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settleDelay is how long an archive must stay unwritten before it is imported.
const settleDelay = 500 * time.Millisecond

// Importer imports one archive file; runtime/containerd implements it.
type Importer interface {
	ImportArchive(ctx context.Context, path string) ([]string, error)
}

// Dir watches one directory of image archives.
type Dir struct {
	path     string
	importer Importer
	rescan   time.Duration
	log      *slog.Logger
	done     map[string]fileStamp // owned by the caller of Sync/Watch: archives already handled
}

type fileStamp struct {
	size  int64
	mtime time.Time
}

// NewDir makes a Dir; rescan is the period of full rescans beside the watch (default 30s).
func NewDir(path string, importer Importer, rescan time.Duration, log *slog.Logger) *Dir {
	if rescan <= 0 {
		rescan = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dir{path: path, importer: importer, rescan: rescan, log: log, done: map[string]fileStamp{}}
}

// isArchive tells the file names that hold image archives; dotfiles and partial downloads are not.
func isArchive(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".oci"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// Sync imports every archive that is new or changed since it was last handled. A missing
// directory is not an error. Failures are logged and retried once the file changes.
func (d *Dir) Sync(ctx context.Context) error {
	entries, err := os.ReadDir(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read images dir: %w", err)
	}
	present := map[string]bool{}
	defer func() {
		for path := range d.done { // a file removed and put back is imported again
			if !present[path] {
				delete(d.done, path)
			}
		}
	}()
	for _, e := range entries {
		if !isArchive(e.Name()) {
			continue
		}
		path := filepath.Join(d.path, e.Name())
		present[path] = true
		info, err := os.Stat(path) // follows symlinks
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		stamp := fileStamp{size: info.Size(), mtime: info.ModTime()}
		if d.done[path] == stamp {
			continue
		}
		d.done[path] = stamp
		start := time.Now()
		names, err := d.importer.ImportArchive(ctx, path)
		if err != nil {
			if ctx.Err() != nil {
				delete(d.done, path)
				return ctx.Err()
			}
			d.log.Error("import image archive", "file", path, "err", err)
			continue
		}
		d.log.Info("imported image archive", "file", path, "images", names, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// Watch syncs whenever the directory changes, and every rescan period, until ctx ends.
func (d *Dir) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch images dir: %w", err)
	}
	defer w.Close()
	watching := w.Add(d.path) == nil
	tick := time.NewTicker(d.rescan)
	defer tick.Stop()
	// A file being copied in fires many writes: import once they have been quiet for a moment.
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-w.Events:
			if isArchive(filepath.Base(ev.Name)) {
				settle.Reset(settleDelay)
			}
			continue
		case <-settle.C:
		case err := <-w.Errors:
			d.log.Warn("images dir watch", "err", err)
			continue
		case <-tick.C:
			if !watching {
				watching = w.Add(d.path) == nil
			}
		}
		if err := d.Sync(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("sync images dir", "err", err)
		}
	}
}
