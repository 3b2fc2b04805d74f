package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// docPod is an accepted pod with the 1-based index of the document it came from.
type docPod struct {
	doc int
	pod *v1.Pod
}

// Decode turns the bytes of one manifest file into the pods it declares and the documents it
// refuses. It does no I/O: file is only used to name errors, to derive UIDs and to fill the
// source-file annotation. Every returned pod is defaulted, validated, has its UID and the
// annotations AnnotationConfigSource, AnnotationConfigHash and AnnotationSourceFile set.
//
// Documents are split on "---" lines; empty documents (only comments and blank lines) are
// skipped and not counted, so "document 2" is the second document with content; a file with
// no document at all is refused whole. One bad document never hides the good ones of the
// same file.
func Decode(file string, data []byte, nodeName string) ([]*v1.Pod, []FileError) {
	dps, errs := decodeFile(file, data, nodeName)
	pods := make([]*v1.Pod, 0, len(dps))
	for _, dp := range dps {
		pods = append(pods, dp.pod)
	}
	return pods, errs
}

func decodeFile(file string, data []byte, nodeName string) ([]docPod, []FileError) {
	if len(data) > maxFileSize {
		return nil, []FileError{tooLarge(file, int64(len(data)))}
	}
	if msg := notText(data); msg != "" {
		return nil, []FileError{{File: file, Message: msg}}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a UTF-8 byte order mark
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, []FileError{FileError{File: file, Message: err.Error()}.clipped()}
	}
	if len(docs) == 0 {
		// Like an empty file, most often one caught while being written: refusing it keeps the
		// pods of its previous version.
		return nil, []FileError{{File: file, Message: "file holds no YAML document (only blank lines, comments or ---); remove the file to remove its pods"}}
	}
	var (
		pods []docPod
		errs []FileError
	)
	for i, d := range docs {
		pod, derrs := decodeDocument(d.data, d.line, nodeName, file)
		for _, e := range derrs {
			e.File, e.Document = file, i+1
			errs = append(errs, e.clipped())
		}
		if pod != nil {
			pods = append(pods, docPod{doc: i + 1, pod: pod})
		}
	}
	return pods, errs
}

// notText explains why data is not a text file, or returns "" when it is one.
func notText(data []byte) string {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Sprintf("not a text file: NUL byte at offset %d", i)
	}
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return fmt.Sprintf("not a text file: invalid UTF-8 at offset %d", i)
			}
			i += size
		}
	}
	return ""
}

// document is one YAML document of a file with the file line it starts on (0 when unknown).
type document struct {
	data []byte
	line int
}

// splitDocuments splits a file with apimachinery's YAML reader and drops empty documents.
func splitDocuments(data []byte) ([]document, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var chunks [][]byte
	for {
		chunk, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %w", err)
		}
		chunks = append(chunks, chunk)
	}
	starts := documentStartLines(data)
	if len(starts) != len(chunks) {
		starts = nil // line numbers are a courtesy; never guess them
	}
	var docs []document
	for i, c := range chunks {
		// The reader keeps a separator line that comes first in a chunk (the file's first line,
		// or the second of two separators in a row): drop it, so that a "---"-only chunk is
		// empty and line numbers count from the document's first real line.
		skipped := 0
		for isSeparatorLine(c) {
			_, c, _ = bytes.Cut(c, []byte("\n"))
			skipped++
		}
		if isEmptyDocument(c) {
			continue
		}
		d := document{data: c}
		if starts != nil {
			d.line = starts[i] + skipped
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// isSeparatorLine reports whether data starts with a "---" document separator line (the
// reader has refused any with more than a comment after it).
func isSeparatorLine(data []byte) bool {
	return bytes.HasPrefix(data, []byte("---"))
}

// documentStartLines returns the 1-based file line on which each chunk returned by the YAML
// reader begins. It follows the reader's rule: a line starting with "---" ends the current
// chunk and belongs to none, except that one coming when no chunk is open starts the next chunk.
func documentStartLines(data []byte) []int {
	var starts []int
	open := false
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			break
		}
		if open && isSeparatorLine(line) {
			open = false
			continue
		}
		if !open {
			starts = append(starts, n+1)
			open = true
		}
	}
	return starts
}

// isEmptyDocument reports whether a document holds only blank lines and comments.
func isEmptyDocument(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) != 0 && line[0] != '#' {
			return false
		}
	}
	return true
}

// decodeDocument decodes, defaults and validates one document. It returns the pod, or the
// errors that refuse it (with File and Document left for the caller to fill).
func decodeDocument(data []byte, startLine int, nodeName, file string) (*v1.Pod, []FileError) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, yamlErrors(err, startLine)
	}
	if errs := checkTypeMeta(js); len(errs) > 0 {
		return nil, errs
	}
	pod := &v1.Pod{}
	strictErrs, err := sigsjson.UnmarshalStrict(js, pod)
	if err != nil {
		return nil, []FileError{decodeError(err, js)}
	}
	if len(strictErrs) > 0 {
		errs := make([]FileError, 0, len(strictErrs))
		for _, e := range strictErrs {
			errs = append(errs, strictError(e))
		}
		return nil, errs
	}
	SetDefaults(pod, nodeName)
	if verrs := Validate(pod); len(verrs) > 0 {
		errs := make([]FileError, 0, len(verrs))
		for _, e := range verrs {
			errs = append(errs, fieldError(e))
		}
		return nil, errs
	}
	pod.UID = PodUID(pod, nodeName, file)
	annotate(pod, file)
	return pod, nil
}

// checkTypeMeta checks that a document is a mapping declaring apiVersion v1 and kind Pod.
func checkTypeMeta(js []byte) []FileError {
	var top map[string]json.RawMessage
	err := json.Unmarshal(js, &top)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		// Not about the shape: e.g. nesting deeper than the decoder allows.
		return []FileError{{Message: "invalid document: " + err.Error()}}
	}
	if err != nil || top == nil {
		return []FileError{{Message: "document is not a YAML mapping with apiVersion, kind, metadata and spec"}}
	}
	apiVersion, errs := stringField(top, "apiVersion")
	kind, kindErrs := stringField(top, "kind")
	errs = append(errs, kindErrs...)
	if len(errs) > 0 {
		return errs
	}
	if kind != "Pod" {
		return []FileError{{Field: "kind", Message: fmt.Sprintf("kind %s not supported yet: minikubelet runs v1 Pods only", kind)}}
	}
	if apiVersion != "v1" {
		e := field.NotSupported(field.NewPath("apiVersion"), apiVersion, []string{"v1"})
		return []FileError{fieldError(e)}
	}
	return nil
}

// stringField reads a required string member of a JSON object.
func stringField(obj map[string]json.RawMessage, name string) (string, []FileError) {
	raw, ok := obj[name]
	if !ok || string(raw) == "null" {
		return "", []FileError{{Field: name, Message: field.Required(field.NewPath(name), "").ErrorBody()}}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", []FileError{{Field: name, Message: "Invalid type. Expected: string, given: " + jsonKind(raw)}}
	}
	if s == "" {
		return "", []FileError{{Field: name, Message: field.Required(field.NewPath(name), "").ErrorBody()}}
	}
	return s, nil
}

// jsonKind names the JSON type of a raw value: object, array, string, number, boolean or null.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
