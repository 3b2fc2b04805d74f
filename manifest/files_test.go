package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsManifestName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{name: "pod.yaml", want: true},
		{name: "pod.yml", want: true},
		{name: "pod.json", want: true},
		{name: "my.pod.yaml", want: true},
		{name: ".pod.yaml", want: false},
		{name: "pod.yaml~", want: false},
		{name: "pod.yaml.bak", want: false},
		{name: ".pod.yaml.swp", want: false},
		{name: "pod.yaml.swp", want: false},
		{name: "#pod.yaml#", want: false},
		{name: "pod.YAML", want: false},
		{name: "README.md", want: false},
		{name: "yaml", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isManifestName(tt.name); got != tt.want {
				t.Errorf("isManifestName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestListManifests(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "pods")
	outside := filepath.Join(root, "elsewhere.txt")
	for _, f := range []string{outside, "b.yml", "a.yaml", "c.json", ".hidden.yaml", "x.yaml~", "x.yaml.bak", "notes.txt"} {
		path := f
		if !filepath.IsAbs(f) {
			path = filepath.Join(dir, f)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"sub.yaml", "sub"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "nested.yaml"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"link.yaml": outside, "dangling.yaml": filepath.Join(root, "missing"), "dirlink.yaml": filepath.Join(dir, "sub")}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}

	got, err := listManifests(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
		if filepath.Dir(p) != dir {
			t.Errorf("%s is not directly in %s", p, dir)
		}
	}
	// Everything named like a manifest is listed; readManifest refuses what is not a file.
	if want := "a.yaml,b.yml,c.json,dangling.yaml,dirlink.yaml,link.yaml,sub.yaml"; strings.Join(names, ",") != want {
		t.Errorf("listManifests = %v, want %s", names, want)
	}

	if _, err := listManifests(filepath.Join(root, "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("listManifests of a missing directory: %v, want fs.ErrNotExist", err)
	}
}
