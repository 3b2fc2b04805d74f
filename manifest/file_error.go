package manifest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FileError is one refused document of a manifest file, or the whole file when Document is 0.
type FileError struct {
	File     string `json:"file"`
	Document int    `json:"document,omitempty"` // 1-based; 0 means the whole file
	Field    string `json:"field,omitempty"`    // e.g. "spec.containers[1].name"
	Message  string `json:"message"`
}

// Error renders "FILE: document N: FIELD: MESSAGE", leaving out the parts that are empty.
func (e FileError) Error() string {
	parts := []string{e.File}
	if e.Document > 0 {
		parts = append(parts, fmt.Sprintf("document %d", e.Document))
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	parts = append(parts, e.Message)
	return strings.Join(parts, ": ")
}

// Limits on what an error repeats from a manifest, so that a hostile file (a 900 kB name or
// field key) cannot turn /errors and the log into megabytes.
const (
	maxErrorValue   = 256  // bytes of a bad value quoted in a message
	maxErrorField   = 512  // bytes of a field path
	maxErrorMessage = 2048 // bytes of a whole message
)

// fieldError turns a validation error into a FileError, quoting at most maxErrorValue bytes
// of a bad string value, so that the explanation after the value is kept.
func fieldError(e *field.Error) FileError {
	if s, ok := e.BadValue.(string); ok && len(s) > maxErrorValue {
		c := *e
		c.BadValue = clip(s, maxErrorValue)
		e = &c
	}
	return FileError{Field: e.Field, Message: e.ErrorBody()}
}

// clipped bounds the field path and message of an error.
func (e FileError) clipped() FileError {
	e.Field = clip(e.Field, maxErrorField)
	e.Message = clip(e.Message, maxErrorMessage)
	return e
}

// clip shortens s to about limit bytes, keeping its start and end whole runes and saying how
// much was left out.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	head, tail := limit*3/4, limit/4
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return fmt.Sprintf("%s...(%d bytes left out)...%s", s[:head], start-head, s[start:])
}
