package ociimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// readArchive returns the regular files of an archive by name.
func readArchive(t *testing.T, archive []byte) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatalf("read archive: %v", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("read archive entry %s: %v", hdr.Name, err)
		}
		files[hdr.Name] = data
	}
}

func blobPath(d digest.Digest) string { return "blobs/sha256/" + d.Encoded() }

func TestWriteArchiveParsesBack(t *testing.T) {
	app := testImage()
	appLatest := testImage()
	appLatest.Name = "example.com/test/app" // no tag: latest
	other := Image{
		Name:   "busybox:1.35",
		Files:  []File{{Path: "/bin/busybox", Mode: 0o755, Data: []byte("not really")}},
		Config: Config{Cmd: []string{"sh"}},
	}
	var buf bytes.Buffer
	if err := WriteArchive(&buf, app, appLatest, other); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	files := readArchive(t, buf.Bytes())

	var layout ocispec.ImageLayout
	if err := json.Unmarshal(files["oci-layout"], &layout); err != nil || layout.Version != "1.0.0" {
		t.Fatalf("oci-layout = %q (%v), want version 1.0.0", files["oci-layout"], err)
	}
	var index ocispec.Index
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatalf("decode index.json: %v", err)
	}
	if index.SchemaVersion != 2 || index.MediaType != ocispec.MediaTypeImageIndex {
		t.Errorf("index schema %d media type %q", index.SchemaVersion, index.MediaType)
	}
	want := []struct{ name, tag string }{
		{"example.com/test/app:v1", "v1"},
		{"example.com/test/app:latest", "latest"},
		{"docker.io/library/busybox:1.35", "1.35"},
	}
	if len(index.Manifests) != len(want) {
		t.Fatalf("index has %d manifests, want %d", len(index.Manifests), len(want))
	}
	blobsUsed := make(map[string]bool)
	for i, w := range want {
		desc := index.Manifests[i]
		if got := desc.Annotations["io.containerd.image.name"]; got != w.name {
			t.Errorf("manifest %d io.containerd.image.name = %q, want %q", i, got, w.name)
		}
		if got := desc.Annotations[ocispec.AnnotationRefName]; got != w.tag {
			t.Errorf("manifest %d ref.name = %q, want %q", i, got, w.tag)
		}
		manifestBlob := checkBlob(t, files, desc)
		blobsUsed[blobPath(desc.Digest)] = true
		var manifest ocispec.Manifest
		if err := json.Unmarshal(manifestBlob, &manifest); err != nil {
			t.Fatalf("decode manifest of %s: %v", w.name, err)
		}
		configBlob := checkBlob(t, files, manifest.Config)
		blobsUsed[blobPath(manifest.Config.Digest)] = true
		var config ocispec.Image
		if err := json.Unmarshal(configBlob, &config); err != nil {
			t.Fatalf("decode config of %s: %v", w.name, err)
		}
		for j, layer := range manifest.Layers {
			checkBlob(t, files, layer)
			blobsUsed[blobPath(layer.Digest)] = true
			if config.RootFS.DiffIDs[j] != layer.Digest {
				t.Errorf("%s: diff ID %s, want the uncompressed layer's digest %s", w.name, config.RootFS.DiffIDs[j], layer.Digest)
			}
		}
	}
	// app:v1 and app:latest share every blob, which the archive holds once.
	if index.Manifests[0].Digest != index.Manifests[1].Digest {
		t.Error("the same image under two names has two manifests")
	}
	for name := range files {
		if strings.HasPrefix(name, "blobs/") && !blobsUsed[name] {
			t.Errorf("archive holds unreferenced blob %s", name)
		}
	}
	if got := len(files); got != 2+6 {
		t.Errorf("archive holds %d files, want oci-layout, index.json and 6 blobs", got)
	}
}

// checkBlob returns the blob a descriptor names and checks its size and digest.
func checkBlob(t *testing.T, files map[string][]byte, desc ocispec.Descriptor) []byte {
	t.Helper()
	data, ok := files[blobPath(desc.Digest)]
	if !ok {
		t.Fatalf("archive lacks blob %s", desc.Digest)
	}
	if int64(len(data)) != desc.Size || digest.FromBytes(data) != desc.Digest {
		t.Fatalf("blob %s: %d bytes of digest %s, want %d bytes", desc.Digest, len(data), digest.FromBytes(data), desc.Size)
	}
	return data
}

func TestWriteArchiveIsDeterministic(t *testing.T) {
	var first, second bytes.Buffer
	if err := WriteArchive(&first, testImage()); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	if err := WriteArchive(&second, testImage()); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatal("writing the same image twice gave different archives")
	}
}

func TestWriteArchiveRejects(t *testing.T) {
	file := []File{{Path: "/a", Mode: fs.FileMode(0o644)}}
	tests := []struct {
		name    string
		imgs    []Image
		wantErr string
	}{
		{name: "no images", wantErr: "no images"},
		{name: "no name", imgs: []Image{{Files: file}}, wantErr: "image name"},
		{name: "invalid name", imgs: []Image{{Name: "Upper/Case:1", Files: file}}, wantErr: "image name"},
		{name: "digest", imgs: []Image{{Name: "busybox@sha256:" + strings.Repeat("a", 64), Files: file}}, wantErr: "not a digest"},
		{name: "same name twice", imgs: []Image{{Name: "busybox", Files: file}, {Name: "docker.io/library/busybox:latest"}}, wantErr: "twice"},
		{name: "bad image", imgs: []Image{{Name: "busybox", Files: []File{{Path: "a"}}}}, wantErr: "not absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteArchive(io.Discard, tt.imgs...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("WriteArchive error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
