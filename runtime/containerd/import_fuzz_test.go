package containerd

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/content/local"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/images/archive"
	"github.com/distribution/reference"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// maxImportWalk bounds the descriptors one fuzzed archive may make the walk visit.
const maxImportWalk = 10_000

// FuzzImportArchive feeds arbitrary bytes to the archive half of an image import, without
// containerd: containerd's own tar parsing (OCI layout or `docker save`) into a content store (in
// memory when the host has /dev/shm), then what Import does with the result, which is walking the index to the manifests and
// naming images through fullRefOnly. It checks: no panic; an accepted archive's index is in the
// store with its size; every blob in the store matches its digest; every image name given is a
// whole reference that names itself again (fullRefOnly is idempotent).
func FuzzImportArchive(f *testing.F) {
	var oci bytes.Buffer
	img := ociimage.Image{Name: "docker.io/library/fuzz:1", Files: []ociimage.File{{Path: "/bin/true", Mode: 0o755, Data: []byte("x")}},
		Config: ociimage.Config{Cmd: []string{"/bin/true"}}}
	if err := ociimage.WriteArchive(&oci, img); err != nil {
		f.Fatal(err)
	}
	f.Add(oci.Bytes())
	f.Add(dockerSaveArchive(f))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		store, err := local.NewStore(testenv.MemTempDir(t))
		if err != nil {
			t.Fatal(err)
		}
		index, err := archive.ImportIndex(ctx, store, bytes.NewReader(data))
		if err != nil {
			return
		}
		info, err := store.Info(ctx, index.Digest)
		if err != nil || info.Size != index.Size {
			t.Fatalf("accepted index %s (size %d) not in the store: %+v, %v", index.Digest, index.Size, info, err)
		}
		err = store.Walk(ctx, func(info content.Info) error {
			blob, err := content.ReadBlob(ctx, store, ocispec.Descriptor{Digest: info.Digest, Size: info.Size})
			if err != nil {
				return err
			}
			if got := info.Digest.Algorithm().FromBytes(blob); got != info.Digest {
				t.Fatalf("blob %s holds content of digest %s", info.Digest, got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk the store: %v", err)
		}
		for _, name := range importNames(t, ctx, store, index) {
			if strings.ContainsAny(name, " \t\n") || fullRefOnly(name) != name {
				t.Fatalf("image name %q is not a whole reference naming itself (%q)", name, fullRefOnly(name))
			}
			if _, err := reference.ParseDockerRef(name); err != nil {
				t.Fatalf("image name %q: %v", name, err)
			}
		}
	})
}

// importNames walks the imported index as Import does and returns the names fullRefOnly gives its
// manifests. Walk errors are the archive's (Import would refuse it), not failures.
func importNames(t *testing.T, ctx context.Context, store content.Store, index ocispec.Descriptor) []string {
	t.Helper()
	blob, err := content.ReadBlob(ctx, store, index)
	if err != nil {
		t.Fatalf("read the accepted index: %v", err)
	}
	var idx ocispec.Index
	if json.Unmarshal(blob, &idx) != nil {
		return nil
	}
	var names []string
	for _, m := range idx.Manifests {
		for _, key := range []string{images.AnnotationImageName, ocispec.AnnotationRefName} {
			if name := fullRefOnly(m.Annotations[key]); name != "" {
				names = append(names, name)
			}
		}
	}
	visited := 0
	walk := images.HandlerFunc(func(ctx context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
		if visited++; visited > maxImportWalk {
			t.Fatalf("walking the index visits over %d descriptors", maxImportWalk)
		}
		return images.Children(ctx, store, desc)
	})
	_ = images.Walk(ctx, walk, idx.Manifests...)
	return names
}

// dockerSaveArchive is a minimal `docker save` archive: manifest.json, a config and one layer.
func dockerSaveArchive(f *testing.F) []byte {
	f.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range []struct{ name, data string }{
		{"manifest.json", `[{"Config":"c.json","RepoTags":["fuzz:1","docker.io/library/fuzz:latest"],"Layers":["l.tar"]}]`},
		{"c.json", `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`},
		{"l.tar", strings.Repeat("\x00", 1024)},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			f.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.data)); err != nil {
			f.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}
