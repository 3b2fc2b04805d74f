package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	v1 "k8s.io/api/core/v1"
)

// Indentation levels of a description, two spaces each.
const (
	level0 = iota
	level1
	level2
	level3
)

// maxAnnotationLen is where kubectl shortens an annotation to its own lines.
const maxAnnotationLen = 140

// terminalEscaper defuses terminal escape sequences in values, as kubectl does
// (kubernetes#101695).
var terminalEscaper = strings.NewReplacer("\x1b", "^[", "\r", `\r`)

// describeWriter writes a description in kubectl's layout: lines indented by
// level, "Key:\tvalue" cells aligned by a tabwriter configured like kubectl's.
// Writes go to the tabwriter's memory; write reports the first error of out.
type describeWriter struct {
	tw *tabwriter.Writer
}

func newDescribeWriter(out io.Writer) *describeWriter {
	return &describeWriter{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)}
}

// line writes format at an indentation level, escaping terminal control
// characters. Like kubectl's PrefixWriter it need not end a line.
func (w *describeWriter) line(level int, format string, args ...any) {
	s := strings.Repeat("  ", level) + fmt.Sprintf(format, args...)
	_, _ = terminalEscaper.WriteString(w.tw, s)
}

// flush ends the current alignment block and writes it out.
func (w *describeWriter) flush() error { return w.tw.Flush() }

// labels writes "Title:\tk=v" with one sorted pair per line, or <none>.
func (w *describeWriter) labels(title string, labels map[string]string) {
	w.line(level0, "%s:\t", title)
	if len(labels) == 0 {
		w.line(level0, "<none>\n")
		return
	}
	for i, k := range slices.Sorted(maps.Keys(labels)) {
		if i > 0 {
			w.line(level0, "\t")
		}
		w.line(level0, "%s=%s\n", k, labels[k])
	}
}

// annotations writes "Title:\tk: v" with one sorted annotation per line; a
// long or multi-line value goes on its own lines, shortened.
func (w *describeWriter) annotations(title string, annotations map[string]string) {
	w.line(level0, "%s:\t", title)
	var keys []string
	for k := range annotations {
		if k != v1.LastAppliedConfigAnnotation { // kubectl never shows it
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		w.line(level0, "<none>\n")
		return
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			w.line(level0, "\t")
		}
		value := strings.TrimSuffix(annotations[k], "\n")
		if len(value)+len(k)+2 <= maxAnnotationLen && !strings.Contains(value, "\n") {
			w.line(level0, "%s: %s\n", k, value)
			continue
		}
		w.line(level0, "%s:\n", k)
		for _, s := range strings.Split(value, "\n") {
			w.line(level0, "\t  %s\n", shorten(s, maxAnnotationLen-2))
		}
	}
}

// tolerations writes "Title:\tkey=value:Effect op=Exists for Ns", sorted by
// key, one per line, or <none>.
func (w *describeWriter) tolerations(title string, tolerations []v1.Toleration) {
	w.line(level0, "%s:\t", title)
	if len(tolerations) == 0 {
		w.line(level0, "<none>\n")
		return
	}
	sorted := slices.Clone(tolerations)
	slices.SortStableFunc(sorted, func(a, b v1.Toleration) int { return strings.Compare(a.Key, b.Key) })
	for i, t := range sorted {
		if i > 0 {
			w.line(level0, "\t")
		}
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + string(t.Effect)
		}
		// An Exists toleration without a value; alone it tolerates everything.
		if t.Operator == v1.TolerationOpExists && t.Value == "" {
			if t.Key != "" || t.Effect != "" {
				s += " "
			}
			s += "op=Exists"
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		w.line(level0, "%s\n", s)
	}
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// printBool is kubectl's True/False.
func printBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
