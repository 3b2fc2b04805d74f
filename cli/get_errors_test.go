package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/minikubelet/minikubelet/manifest"
)

func TestPrintErrors(t *testing.T) {
	tests := []struct {
		name    string
		refused []manifest.FileError
		want    string
	}{
		{name: "none", want: "No refused manifests.\n"},
		{
			name: "sorted by file and document, empty parts as <none>",
			refused: []manifest.FileError{
				{File: "/pods/web.yaml", Document: 2, Field: "spec.containers[0].image", Message: "Required value"},
				{File: "/pods/bad.yaml", Message: "yaml: line 3:\tmapping values\nare not allowed"},
				{File: "/pods/web.yaml", Document: 1, Field: "metadata.name", Message: "Invalid value: \"Web\""},
			},
			want: "" +
				"FILE             DOCUMENT   FIELD                      MESSAGE\n" +
				"/pods/bad.yaml   <none>     <none>                     yaml: line 3: mapping values are not allowed\n" +
				"/pods/web.yaml   1          metadata.name              Invalid value: \"Web\"\n" +
				"/pods/web.yaml   2          spec.containers[0].image   Required value\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PrintErrors(&buf, tc.refused); err != nil {
				t.Fatalf("PrintErrors: %v", err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	c := startAgent(t, &agentSource{refused: []manifest.FileError{{File: "/pods/x.yaml", Document: 1, Message: "unknown field \"spec.replicas\""}}})
	var out bytes.Buffer
	if err := GetErrors(context.Background(), c, &out); err != nil {
		t.Fatalf("GetErrors: %v", err)
	}
	want := "" +
		"FILE           DOCUMENT   FIELD    MESSAGE\n" +
		"/pods/x.yaml   1          <none>   unknown field \"spec.replicas\"\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
