package manifest

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/fsnotify/fsnotify"
)

// dirWatcher keeps an fsnotify watch on the manifest directory across its removal, re-creation
// or replacement. Without inotify (w nil) it does nothing and the periodic relist does the work.
// It belongs to one Run and is used from that goroutine only.
type dirWatcher struct {
	dir     string
	log     *slog.Logger
	w       *fsnotify.Watcher
	watched os.FileInfo // the directory the watch is on; nil when there is none
}

func newDirWatcher(dir string, log *slog.Logger) *dirWatcher {
	d := &dirWatcher{dir: dir, log: log}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("cannot watch the manifest directory; relying on the periodic relist", "error", err)
		return d
	}
	d.w = w
	return d
}

// ensure puts the watch on the directory if it exists and is not watched yet, or was replaced.
func (d *dirWatcher) ensure() {
	if d.w == nil {
		return
	}
	info, err := os.Stat(d.dir)
	if err != nil || !info.IsDir() {
		d.drop()
		return
	}
	if d.watched != nil && os.SameFile(d.watched, info) && slices.Contains(d.w.WatchList(), d.dir) {
		return
	}
	d.drop()
	if err := d.w.Add(d.dir); err != nil {
		d.log.Warn("watch manifest directory", "error", err)
		return
	}
	d.watched = info
}

// drop removes the watch, if any. A watch on a removed directory is already gone, so the
// error of Remove says nothing useful.
func (d *dirWatcher) drop() {
	if d.watched != nil {
		_ = d.w.Remove(d.dir)
		d.watched = nil
	}
}

// relevant reports whether an event may change the desired set. Events on editor swap and
// backup files are not; events on the directory itself (removed, moved) are, and end the watch.
func (d *dirWatcher) relevant(ev fsnotify.Event) bool {
	if ev.Name == d.dir {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			d.drop()
		}
		return true
	}
	return !isEditorFile(filepath.Base(ev.Name))
}

// events and errors return the watcher's channels, or nil channels (never ready) without one.
func (d *dirWatcher) events() <-chan fsnotify.Event {
	if d.w == nil {
		return nil
	}
	return d.w.Events
}

func (d *dirWatcher) errors() <-chan error {
	if d.w == nil {
		return nil
	}
	return d.w.Errors
}

// disable stops watching for good; the periodic relist carries on alone.
func (d *dirWatcher) disable() {
	d.log.Warn("manifest directory watch ended; relying on the periodic relist")
	d.close()
	d.w, d.watched = nil, nil
}

func (d *dirWatcher) close() {
	if d.w != nil {
		_ = d.w.Close()
	}
}
