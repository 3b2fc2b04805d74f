package manifest

import (
	"fmt"
	"strings"
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
