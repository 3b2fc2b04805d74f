package manifest

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

// newStateScanner is a scanner as Run makes one, keeping its accepted set in state.
func newStateScanner(dir, state string) *scanner {
	sc := &scanner{dir: dir, nodeName: "node-1", log: slog.New(slog.DiscardHandler), prev: accepted{},
		logged: map[FileError]bool{}, decoded: map[string]decodedFile{}, state: state}
	sc.restore()
	return sc
}

// TestAcceptedStateAcrossRestarts runs one scanner (an agent), changes the directory while it is
// "down", then starts a second scanner on the same state file and checks its first snapshot.
func TestAcceptedStateAcrossRestarts(t *testing.T) {
	const broken = "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n"
	tests := []struct {
		name     string
		down     func(t *testing.T, dir, state string) // what happens while the agent is down
		wantPods string
		sameWeb  bool // web keeps the UID it had before the restart
		wantErrs []string
	}{
		{
			name:     "a file broken while down keeps its pods",
			down:     func(t *testing.T, dir, _ string) { writeFile(t, dir, "web.yaml", broken) },
			wantPods: "db,web", sameWeb: true,
			wantErrs: []string{"web.yaml: document 1: invalid YAML: line 3: did not find expected ',' or '}'" + keptSuffix},
		},
		{
			name: "a file made a directory while down keeps its pods",
			down: func(t *testing.T, dir, _ string) {
				if err := os.Remove(filepath.Join(dir, "web.yaml")); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(filepath.Join(dir, "web.yaml"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantPods: "db,web", sameWeb: true,
			wantErrs: []string{"web.yaml: is a directory (manifest directories are not recursed into), not a regular file; not read" + keptSuffix},
		},
		{
			name:     "a file emptied while down keeps its pods",
			down:     func(t *testing.T, dir, _ string) { writeFile(t, dir, "web.yaml", "") },
			wantPods: "db,web", sameWeb: true,
			wantErrs: []string{"web.yaml: file is empty"},
		},
		{
			name: "a file removed while down loses its pods",
			down: func(t *testing.T, dir, _ string) {
				if err := os.Remove(filepath.Join(dir, "web.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			wantPods: "db",
		},
		{
			name:     "a file edited while down runs the edit",
			down:     func(t *testing.T, dir, _ string) { writeFile(t, dir, "web.yaml", podYAML("web", "nginx:2")) },
			wantPods: "db,web",
		},
		{
			name:     "a second definition added while down does not displace the running pod",
			down:     func(t *testing.T, dir, _ string) { writeFile(t, dir, "a-first.yaml", podYAML("web", "httpd")) },
			wantPods: "db,web", sameWeb: true,
			wantErrs: []string{"a-first.yaml: document 1: metadata.name: duplicate pod default/web: already defined in"},
		},
		{
			name: "a corrupt state file starts empty, as without one",
			down: func(t *testing.T, dir, state string) {
				writeFile(t, dir, "web.yaml", broken)
				if err := os.WriteFile(state, []byte("{\"version\": 1, \"files\": "), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantPods: "db",
			wantErrs: []string{"web.yaml: document 1: invalid YAML"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir, state := filepath.Join(root, "pods"), filepath.Join(root, "state", "accepted.json")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "web.yaml", podYAML("web", "nginx"))
			writeFile(t, dir, "db.yaml", podYAML("db", "postgres"))
			first := newStateScanner(dir, state).scan()
			if names(first) != "db,web" {
				t.Fatalf("first run = %v", first)
			}
			webUID := uidOf(first, "web")

			tt.down(t, dir, state)
			second := newStateScanner(dir, state)
			s := second.scan()
			if names(s) != tt.wantPods {
				t.Errorf("after the restart: %v, want pods %s", s, tt.wantPods)
			}
			if got := uidOf(s, "web"); (got == webUID) != tt.sameWeb {
				t.Errorf("web UID %q before, %q after; want same=%v", webUID, got, tt.sameWeb)
			}
			if len(s.Errors) != len(tt.wantErrs) {
				t.Fatalf("errors %v, want %d", s.Errors, len(tt.wantErrs))
			}
			for i, want := range tt.wantErrs {
				if got := s.Errors[i].Error(); !strings.HasPrefix(got, filepath.Join(dir, want)) {
					t.Errorf("error %d = %q, want it to start with %q", i, got, filepath.Join(dir, want))
				}
			}
			// What the second run accepted is saved for a third.
			if third := newStateScanner(dir, state); !sameAccepted(third.prev, second.prev) {
				t.Errorf("a third run restores %v, want what the second accepted, %v", third.prev, second.prev)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func uidOf(s Snapshot, name string) types.UID {
	for _, p := range s.Pods {
		if p.Name == name {
			return p.UID
		}
	}
	return ""
}
