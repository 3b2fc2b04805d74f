package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/minikubelet/minikubelet/manifest"
)

// GetErrors prints the manifests the agent refused as a table
// FILE DOCUMENT FIELD MESSAGE, or "No refused manifests.".
func GetErrors(ctx context.Context, c *Client, out io.Writer) error {
	refused, err := c.Errors(ctx)
	if err != nil {
		return fmt.Errorf("get refused manifests: %w", err)
	}
	return PrintErrors(out, refused)
}

// PrintErrors writes refused manifests as a table sorted by file and document.
// A document of 0 (the whole file) and an empty field print as <none>.
func PrintErrors(w io.Writer, refused []manifest.FileError) error {
	if len(refused) == 0 {
		_, err := fmt.Fprintln(w, "No refused manifests.")
		return err
	}
	sorted := slices.Clone(refused)
	slices.SortStableFunc(sorted, func(a, b manifest.FileError) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Document, b.Document))
	})
	tw := newTabWriter(w)
	fmt.Fprintln(tw, "FILE\tDOCUMENT\tFIELD\tMESSAGE")
	for _, e := range sorted {
		doc := "<none>"
		if e.Document > 0 {
			doc = strconv.Itoa(e.Document)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(e.File), doc, orNone(cell(e.Field)), cell(e.Message))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print refused manifests: %w", err)
	}
	return nil
}

// cell keeps a value on one table line: tabs and newlines become spaces.
func cell(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
