package containerd

import (
	"fmt"
	"sort"
	"strings"
)

// maxLabelSize is containerd's limit on one label, key and value together.
const maxLabelSize = 4096

// checkLabels is the last gate before labels reach a containerd object. Keys are ours alone: a key
// such as containerd.io/restart.loguri or io.cri-containerd.* makes containerd act on it (run a
// binary as root, treat the container as CRI's), and nothing a pod or an image says may choose
// one. A label over containerd's size limit is refused here with its name, rather than by
// containerd with a message naming neither.
func checkLabels(labels map[string]string) error {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, labelPrefix) || len(k) == len(labelPrefix) {
			return fmt.Errorf("label %q refused: only %s* labels are written to containerd", k, labelPrefix)
		}
		if n := len(k) + len(labels[k]); n > maxLabelSize {
			return fmt.Errorf("label %s refused: %d bytes, over containerd's limit of %d", k, n, maxLabelSize)
		}
	}
	return nil
}
