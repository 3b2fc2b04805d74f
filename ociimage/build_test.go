package ociimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func testImage() Image {
	return Image{
		Name: "example.com/test/app:v1",
		Files: []File{
			{Path: "/bin/app", Mode: 0o755, Data: []byte("#!/bin/sh\necho hi\n")},
			{Path: "/bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "/bin/app"},
			{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
			{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\n")},
			{Path: "/usr/bin/setuid", Mode: fs.ModeSetuid | 0o755, Data: []byte("x")},
		},
		Config: Config{
			Entrypoint:   []string{"/bin/app"},
			Cmd:          []string{"serve"},
			Env:          []string{"PATH=/bin"},
			WorkingDir:   "/tmp",
			User:         "1000:1000",
			StopSignal:   "SIGQUIT",
			ExposedPorts: []string{"80/tcp", "53/udp", "8080"},
			Labels:       map[string]string{"b": "2", "a": "1"},
		},
	}
}

// layerEntry is what a test reads back of one tar entry.
type layerEntry struct {
	typeflag byte
	mode     int64
	linkname string
	data     string
}

func readLayer(t *testing.T, layer []byte) (map[string]layerEntry, []string) {
	t.Helper()
	entries := make(map[string]layerEntry)
	var order []string
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read layer: %v", err)
		}
		if hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(epoch) {
			t.Errorf("entry %s: uid %d gid %d mtime %v, want 0 0 epoch", hdr.Name, hdr.Uid, hdr.Gid, hdr.ModTime)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("read layer entry %s: %v", hdr.Name, err)
		}
		entries[hdr.Name] = layerEntry{typeflag: hdr.Typeflag, mode: hdr.Mode, linkname: hdr.Linkname, data: string(data)}
		order = append(order, hdr.Name)
	}
	return entries, order
}

func TestBuildLayer(t *testing.T) {
	built, err := Build(testImage())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	entries, order := readLayer(t, built.Layer)
	want := map[string]layerEntry{
		"bin/":           {typeflag: tar.TypeDir, mode: 0o755},
		"bin/app":        {typeflag: tar.TypeReg, mode: 0o755, data: "#!/bin/sh\necho hi\n"},
		"bin/sh":         {typeflag: tar.TypeSymlink, mode: 0o777, linkname: "/bin/app"},
		"etc/":           {typeflag: tar.TypeDir, mode: 0o755},
		"etc/passwd":     {typeflag: tar.TypeReg, mode: 0o644, data: "root:x:0:0:root:/root:/bin/sh\n"},
		"tmp/":           {typeflag: tar.TypeDir, mode: 0o1777},
		"usr/":           {typeflag: tar.TypeDir, mode: 0o755},
		"usr/bin/":       {typeflag: tar.TypeDir, mode: 0o755},
		"usr/bin/setuid": {typeflag: tar.TypeReg, mode: 0o4755, data: "x"},
	}
	if len(entries) != len(want) {
		t.Errorf("layer has entries %v, want %d entries", order, len(want))
	}
	for name, w := range want {
		if got, ok := entries[name]; !ok {
			t.Errorf("layer lacks %s", name)
		} else if got != w {
			t.Errorf("layer entry %s = %+v, want %+v", name, got, w)
		}
	}
	if !slices.IsSorted(order) {
		t.Errorf("layer entries are not sorted: %v", order)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	first, err := Build(testImage())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	img := testImage()
	slices.Reverse(img.Files) // order of the input does not matter
	second, err := Build(img)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !bytes.Equal(first.Layer, second.Layer) || !bytes.Equal(first.Config, second.Config) || !bytes.Equal(first.Manifest, second.Manifest) {
		t.Fatal("building the same image twice gave different bytes")
	}
	if first.ManifestDigest != second.ManifestDigest {
		t.Fatalf("manifest digests differ: %s, %s", first.ManifestDigest, second.ManifestDigest)
	}
}

func TestBuildConfigAndManifest(t *testing.T) {
	built, err := Build(testImage())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	for name, blob := range map[string]struct {
		data []byte
		dgst digest.Digest
	}{
		"manifest": {built.Manifest, built.ManifestDigest},
		"config":   {built.Config, built.ConfigDigest},
		"layer":    {built.Layer, built.LayerDigest},
	} {
		if got := digest.FromBytes(blob.data); got != blob.dgst {
			t.Errorf("%s digest = %s, want %s (of its bytes)", name, blob.dgst, got)
		}
		if data, _, ok := built.Blob(blob.dgst); !ok || !bytes.Equal(data, blob.data) {
			t.Errorf("Blob(%s digest) does not return the %s", name, name)
		}
	}

	var manifest ocispec.Manifest
	if err := json.Unmarshal(built.Manifest, &manifest); err != nil {
		t.Fatalf("decode manifest: %v", err)
	}
	if manifest.SchemaVersion != 2 || manifest.MediaType != ocispec.MediaTypeImageManifest {
		t.Errorf("manifest schema %d media type %q", manifest.SchemaVersion, manifest.MediaType)
	}
	if manifest.Config.Digest != built.ConfigDigest || manifest.Config.Size != int64(len(built.Config)) ||
		manifest.Config.MediaType != ocispec.MediaTypeImageConfig {
		t.Errorf("manifest config descriptor %+v does not match the config", manifest.Config)
	}
	if len(manifest.Layers) != 1 || manifest.Layers[0].Digest != built.LayerDigest ||
		manifest.Layers[0].Size != int64(len(built.Layer)) || manifest.Layers[0].MediaType != ocispec.MediaTypeImageLayer {
		t.Errorf("manifest layers %+v do not match the layer", manifest.Layers)
	}
	if d := built.Descriptor; d.Digest != built.ManifestDigest || d.Size != int64(len(built.Manifest)) ||
		d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != runtime.GOARCH {
		t.Errorf("descriptor %+v does not describe the manifest for linux/%s", d, runtime.GOARCH)
	}

	var config ocispec.Image
	if err := json.Unmarshal(built.Config, &config); err != nil {
		t.Fatalf("decode config: %v", err)
	}
	if config.OS != "linux" || config.Architecture != runtime.GOARCH {
		t.Errorf("config platform %s/%s, want linux/%s", config.OS, config.Architecture, runtime.GOARCH)
	}
	if config.RootFS.Type != "layers" || !slices.Equal(config.RootFS.DiffIDs, []digest.Digest{built.LayerDigest}) {
		t.Errorf("config rootfs %+v, want the layer digest as diff ID", config.RootFS)
	}
	c := config.Config
	if !slices.Equal(c.Entrypoint, []string{"/bin/app"}) || !slices.Equal(c.Cmd, []string{"serve"}) ||
		!slices.Equal(c.Env, []string{"PATH=/bin"}) || c.WorkingDir != "/tmp" || c.User != "1000:1000" ||
		c.StopSignal != "SIGQUIT" || c.Labels["a"] != "1" || c.Labels["b"] != "2" {
		t.Errorf("config %+v does not carry the image's Config", c)
	}
	var ports []string
	for p := range c.ExposedPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	if want := []string{"53/udp", "80/tcp", "8080/tcp"}; !slices.Equal(ports, want) {
		t.Errorf("exposed ports %v, want %v", ports, want)
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name    string
		files   []File
		config  Config
		wantErr string
	}{
		{name: "relative path", files: []File{{Path: "bin/sh", Mode: 0o755}}, wantErr: "not absolute"},
		{name: "root", files: []File{{Path: "/", Mode: fs.ModeDir | 0o755}}, wantErr: "root directory"},
		{name: "listed twice", files: []File{{Path: "/a", Mode: 0o644}, {Path: "/a/", Mode: 0o644}}, wantErr: "listed twice"},
		{name: "octal sticky bit", files: []File{{Path: "/tmp", Mode: fs.ModeDir | 0o1777}}, wantErr: "unsupported bits"},
		{name: "device", files: []File{{Path: "/dev/null", Mode: fs.ModeDevice | 0o666}}, wantErr: "unsupported"},
		{name: "symlink without target", files: []File{{Path: "/a", Mode: fs.ModeSymlink | 0o777}}, wantErr: "without a target"},
		{name: "dir with data", files: []File{{Path: "/a", Mode: fs.ModeDir | 0o755, Data: []byte("x")}}, wantErr: "no data"},
		{name: "file under a symlink", files: []File{
			{Path: "/bin", Mode: fs.ModeSymlink | 0o777, Linkname: "usr/bin"},
			{Path: "/bin/sh", Mode: 0o755},
		}, wantErr: "not a directory"},
		{name: "bad port", config: Config{ExposedPorts: []string{"http"}}, wantErr: "exposed port"},
		{name: "bad protocol", config: Config{ExposedPorts: []string{"80/icmp"}}, wantErr: "protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(Image{Name: "x:1", Files: tt.files, Config: tt.config})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Build error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
