package manifest

import (
	"bytes"
	"testing"
)

// FuzzSplitDocuments feeds arbitrary bytes to the multi-document split and checks what decoding
// and error messages rely on: no panic; no document returned is empty (blank lines and comments
// only); the documents appear in the file in order and hold nothing the file does not (but for
// CRLF turned into LF and the newline the reader ends a last line with); and a line
// number, when given, is the file line the document's content starts on (errors are shifted by it,
// so a wrong one points users at the wrong line).
func FuzzSplitDocuments(f *testing.F) {
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Add([]byte("---\na: 1\n---\n---\nb: 2\n---\n"))
	f.Add([]byte("# only a comment\n---\n\n---   # trailing\nc: 3"))
	f.Add([]byte("a: 1\r\n---\r\nb: 2\r\n"))
	f.Add([]byte("--- x\n"))
	f.Add([]byte("----\na: 1\n"))
	f.Add([]byte("a: |\n  ---\n  text\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := splitDocuments(data)
		if err != nil {
			if docs != nil {
				t.Fatalf("documents returned with the error %v", err)
			}
			return
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		// The reader turns CRLF line ends into LF.
		rest := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		for i, d := range docs {
			if isEmptyDocument(d.data) {
				t.Fatalf("document %d is empty: %q", i+1, d.data)
			}
			// The reader ends a last line that has no newline with one.
			body := bytes.TrimSuffix(d.data, []byte("\n"))
			at := bytes.Index(rest, body)
			if at < 0 {
				t.Fatalf("document %d %q is not in the file after the previous one", i+1, d.data)
			}
			rest = rest[at+len(body):]
			if d.line == 0 {
				continue
			}
			if d.line < 1 || d.line > len(lines) {
				t.Fatalf("document %d starts on line %d of %d", i+1, d.line, len(lines))
			}
			first := firstContentLine(d.data)
			if !bytes.Equal(bytes.TrimRight(lines[d.line-1], "\r\n"), bytes.TrimRight(first, "\r\n")) {
				t.Fatalf("document %d said to start on line %d %q, but its first line is %q", i+1, d.line, lines[d.line-1], first)
			}
		}
	})
}

// firstContentLine is a document's first line that is not a "---" separator.
func firstContentLine(doc []byte) []byte {
	for _, line := range bytes.SplitAfter(doc, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("---")) {
			return line
		}
	}
	return nil
}
