package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

const (
	// defaultResyncPeriod is the full relist period when Config.ResyncPeriod is 0 (kubelet's).
	defaultResyncPeriod = 20 * time.Second
	// debounce is how long the source waits after a file-system event before it rescans, so
	// that a burst of events (an editor saving, a copy of many files) gives one rescan.
	debounce = 100 * time.Millisecond
)

// Config configures a Source.
type Config struct {
	Dir          string        // the manifest directory (--pod-manifest-path)
	NodeName     string        // set as spec.nodeName and mixed into derived UIDs
	ResyncPeriod time.Duration // full relist period; 0 means 20s
	Logger       *slog.Logger  // nil means slog.Default()
	// InsecureManifests reads files that group, others or another user than root could write
	// (--insecure-manifests); they are refused otherwise.
	InsecureManifests bool
	// StateFile is where the pods each file last had accepted are kept across restarts, so that
	// a file broken while the agent was down keeps its pods; "" keeps nothing (a file broken at
	// start then has no pods).
	StateFile string
}

// Source watches a directory of Pod manifests and sends the desired set of pods.
type Source struct {
	cfg Config
	log *slog.Logger
}

// NewSource returns a Source for cfg. Dir is made absolute, so the source-file annotation and
// the UIDs do not depend on the working directory.
func NewSource(cfg Config) *Source {
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = defaultResyncPeriod
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if abs, err := filepath.Abs(cfg.Dir); err == nil && cfg.Dir != "" {
		cfg.Dir = abs
	}
	return &Source{cfg: cfg, log: cfg.Logger.With("source", "manifest", "dir", cfg.Dir)}
}

// Run scans the directory, sends a Snapshot, then watches it (fsnotify, debounced) and relists
// it every ResyncPeriod, sending a new Snapshot whenever the result differs from the last one
// sent. Each Snapshot is the whole desired set; the receiver owns the pods in it. A missing
// directory is reported as a FileError (Document 0) with no pods, and picked up once it appears,
// at the next resync at the latest. Run returns nil once ctx ends, or an error at once when the
// Config is unusable.
func (s *Source) Run(ctx context.Context, out chan<- Snapshot) error {
	if s.cfg.Dir == "" {
		return errors.New("manifest source: no directory configured")
	}
	if s.cfg.NodeName == "" {
		return errors.New("manifest source: no node name configured")
	}
	watcher := newDirWatcher(s.cfg.Dir, s.log)
	defer watcher.close()
	resync := time.NewTicker(s.cfg.ResyncPeriod)
	defer resync.Stop()
	// An event is acted on at once; further events within the debounce window give one more
	// rescan at its end (a burst of events, an editor saving, a copy of many files). A file
	// caught half-written is harmless: it keeps its previous pods until the later rescan.
	settle := time.NewTimer(debounce)
	settle.Stop()
	defer settle.Stop()
	pending := false // settle is running
	dirty := false   // an event came while settle was running

	sc := &scanner{dir: s.cfg.Dir, nodeName: s.cfg.NodeName, insecure: s.cfg.InsecureManifests, log: s.log, prev: accepted{},
		logged: map[FileError]bool{}, decoded: map[string]decodedFile{}, state: s.cfg.StateFile}
	sc.restore()
	var last *Snapshot
	for {
		watcher.ensure()
		snap := sc.scan()
		if last == nil || !equality.Semantic.DeepEqual(*last, snap) {
			s.log.Info("manifest snapshot", "pods", len(snap.Pods), "errors", len(snap.Errors))
			select {
			case out <- snap.deepCopy():
			case <-ctx.Done():
				return nil
			}
			last = &snap
		}
		for rescan := false; !rescan; {
			select {
			case <-ctx.Done():
				return nil
			case <-resync.C:
				rescan = true
			case <-settle.C:
				pending = false
				if dirty {
					dirty, rescan = false, true
					settle.Reset(debounce)
					pending = true
				}
			case ev, ok := <-watcher.events():
				if !ok {
					watcher.disable() // closed under us: rely on the relist
					continue
				}
				if !watcher.relevant(ev) {
					continue
				}
				if pending {
					dirty = true
					continue
				}
				rescan = true
				settle.Reset(debounce)
				pending = true
			case err, ok := <-watcher.errors():
				if !ok {
					watcher.disable()
					continue
				}
				// Most likely an event queue overflow: events were lost, so rescan.
				s.log.Warn("watch manifest directory", "error", err)
				if pending {
					dirty = true
				} else {
					rescan = true
					settle.Reset(debounce)
					pending = true
				}
			}
		}
	}
}

// deepCopy returns a snapshot whose pods the receiver may change freely.
func (s Snapshot) deepCopy() Snapshot {
	c := Snapshot{Errors: slices.Clone(s.Errors)}
	if s.Pods != nil {
		c.Pods = make([]*v1.Pod, len(s.Pods))
		for i, p := range s.Pods {
			c.Pods[i] = p.DeepCopy()
		}
	}
	return c
}

// scanner turns one look at the directory into a Snapshot, remembering what the previous
// look accepted. It belongs to one Run.
type scanner struct {
	dir, nodeName string
	insecure      bool // Config.InsecureManifests
	log           *slog.Logger
	prev          accepted               // what the last snapshot accepted, per file
	logged        map[FileError]bool     // the last snapshot's errors, so each is logged once
	decoded       map[string]decodedFile // per path, the last content decoded: unchanged files are not decoded again
	state         string                 // Config.StateFile
	saved         accepted               // what state holds
}

// restore starts from the accepted set saved by an earlier run, if there is one: the first scan
// then treats it as the previous snapshot.
func (s *scanner) restore() {
	if s.state == "" {
		return
	}
	a, err := loadAccepted(s.state, s.nodeName)
	if err != nil {
		s.log.Error("starting without the last accepted manifests: a manifest broken now loses its pods", "err", err)
		return
	}
	s.prev, s.saved = a, a
	if len(a) > 0 {
		s.log.Info("restored the last accepted manifests", "files", len(a), "state", s.state)
	}
}

// persist saves the accepted set when it changed since it was last saved.
func (s *scanner) persist() {
	if s.state == "" || sameAccepted(s.prev, s.saved) {
		return
	}
	if err := saveAccepted(s.state, s.prev); err != nil {
		s.log.Error("keep the accepted manifests for the next start", "err", err)
		return
	}
	s.saved = s.prev
}

// decodedFile is one file's last decoding, valid while its content hashes the same.
type decodedFile struct {
	sum  [sha256.Size]byte
	pods []docPod
	errs []FileError
}

func (s *scanner) scan() Snapshot {
	var snap Snapshot
	paths, err := listManifests(s.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		snap = Snapshot{Errors: []FileError{{File: s.dir, Message: "manifest directory does not exist; waiting for it to appear"}}}
		s.prev = accepted{}
	case err != nil:
		// An unreadable directory says nothing about the pods: keep them all.
		snap = s.keepAll(FileError{File: s.dir, Message: err.Error() + keptSuffix})
	default:
		results := make([]fileResult, 0, len(paths))
		seen := make(map[string]bool, len(paths))
		for _, path := range paths {
			pods, errs, gone := s.load(path)
			if gone {
				continue // removed since it was listed
			}
			seen[path] = true
			results = append(results, fileResult{path: path, pods: pods, errs: errs})
		}
		for path := range s.decoded {
			if !seen[path] {
				delete(s.decoded, path)
			}
		}
		snap, s.prev = merge(results, s.prev)
	}
	s.persist()
	s.logNew(snap.Errors)
	return snap
}

// load reads one file and decodes it, unless its content is what was decoded last time.
func (s *scanner) load(path string) ([]docPod, []FileError, bool) {
	data, err := readManifest(path, s.insecure)
	if err != nil || len(data) == 0 {
		delete(s.decoded, path)
		return loadResult(path, data, err, s.nodeName)
	}
	sum := sha256.Sum256(data)
	if d, ok := s.decoded[path]; ok && d.sum == sum {
		return d.pods, d.errs, false
	}
	pods, errs, gone := loadResult(path, data, nil, s.nodeName)
	if s.decoded == nil {
		s.decoded = map[string]decodedFile{}
	}
	s.decoded[path] = decodedFile{sum: sum, pods: pods, errs: errs}
	return pods, errs, gone
}

// keepAll is the snapshot of an unreadable directory: the previous pods and one error.
func (s *scanner) keepAll(fe FileError) Snapshot {
	snap := Snapshot{Errors: []FileError{fe}}
	files := make([]string, 0, len(s.prev))
	for f := range s.prev {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		for _, dp := range s.prev[f] {
			snap.Pods = append(snap.Pods, dp.pod)
		}
	}
	return snap
}

// logNew logs the errors that were not in the previous snapshot, once each.
func (s *scanner) logNew(errs []FileError) {
	now := make(map[FileError]bool, len(errs))
	for _, e := range errs {
		now[e] = true
		if !s.logged[e] {
			s.log.Warn("refused manifest", "file", e.File, "document", e.Document, "field", e.Field, "error", e.Message)
		}
	}
	s.logged = now
}

// String is for logs and test failures.
func (s Snapshot) String() string {
	names := make([]string, 0, len(s.Pods))
	for _, p := range s.Pods {
		names = append(names, podKey(p))
	}
	return fmt.Sprintf("pods %v, errors %v", names, s.Errors)
}
