package manifest

import (
	"cmp"
	"fmt"
	"slices"

	v1 "k8s.io/api/core/v1"
)

// Snapshot is the whole desired set of pods of the manifest directory at one moment.
type Snapshot struct {
	Pods   []*v1.Pod   // every accepted pod, defaulted, UID set; ordered by file path, then document
	Errors []FileError // every refused document (or file), same order
}

// keptSuffix ends the message of an error in a file whose previous pods keep running.
const keptSuffix = "; the previous version keeps running"

// fileResult is what one scan found in one manifest file.
type fileResult struct {
	path string
	pods []docPod
	errs []FileError
}

// accepted records which pods a snapshot accepted, per file; the next merge reads it.
type accepted map[string][]docPod

// candidate is a pod that may enter a snapshot: a newly decoded one, or a previous one kept.
type candidate struct {
	file string
	dp   docPod
}

func podKey(pod *v1.Pod) string { return pod.Namespace + "/" + pod.Name }

// merge builds a snapshot from the scan of every file (sorted by path) and what the previous
// snapshot accepted, and returns what this one accepts. Its rules:
//
//   - A file with refused documents (or refused whole) keeps the pods it had in the previous
//     snapshot that its good documents do not redefine (same namespace/name): a half-written or
//     mistyped edit never stops a running pod. Its errors then end in keptSuffix. A file that is
//     gone has no pods.
//   - Two documents defining the same namespace/name: a pod the previous snapshot accepted keeps
//     winning (a new file never replaces a running pod); otherwise the first by file path, then
//     document, wins. The other is refused on metadata.name, naming the winner's file.
func merge(results []fileResult, prev accepted) (Snapshot, accepted) {
	prevOwner := map[string]string{}
	for file, dps := range prev {
		for _, dp := range dps {
			prevOwner[podKey(dp.pod)] = file
		}
	}
	var (
		cands []candidate
		errs  []FileError
	)
	for _, r := range results {
		newKeys := map[string]bool{}
		for _, dp := range r.pods {
			cands = append(cands, candidate{file: r.path, dp: dp})
			newKeys[podKey(dp.pod)] = true
		}
		kept := 0
		if len(r.errs) > 0 {
			for _, old := range prev[r.path] {
				if !newKeys[podKey(old.pod)] {
					cands = append(cands, candidate{file: r.path, dp: old})
					kept++
				}
			}
		}
		for _, e := range r.errs {
			if kept > 0 {
				e.Message += keptSuffix
			}
			errs = append(errs, e)
		}
	}

	winner := map[string]int{} // pod key -> index in cands
	for i, c := range cands {
		key := podKey(c.dp.pod)
		w, ok := winner[key]
		if !ok || (c.file == prevOwner[key] && cands[w].file != prevOwner[key]) {
			winner[key] = i
		}
	}
	var won []candidate
	for i, c := range cands {
		key := podKey(c.dp.pod)
		if winner[key] == i {
			won = append(won, c)
			continue
		}
		w := cands[winner[key]]
		errs = append(errs, FileError{
			File: c.file, Document: c.dp.doc, Field: "metadata.name",
			Message: fmt.Sprintf("duplicate pod %s: already defined in %s (document %d)", key, w.file, w.dp.doc),
		})
	}
	slices.SortStableFunc(won, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.dp.doc, b.dp.doc))
	})
	slices.SortStableFunc(errs, func(a, b FileError) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Document, b.Document))
	})
	next := accepted{}
	snap := Snapshot{Errors: errs}
	for _, c := range won {
		next[c.file] = append(next[c.file], c.dp)
		snap.Pods = append(snap.Pods, c.dp.pod)
	}
	return snap, next
}
