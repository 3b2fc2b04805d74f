package ociimage_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/namespaces"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/containerdtest"
)

func e2eImage(name string) ociimage.Image {
	return ociimage.Image{
		Name: name,
		Files: []ociimage.File{
			{Path: "/bin/hello", Mode: 0o755, Data: []byte("#!/bin/sh\necho hello\n")},
			{Path: "/bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "hello"},
			{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		},
		Config: ociimage.Config{Cmd: []string{"/bin/hello"}, Env: []string{"PATH=/bin"}, WorkingDir: "/tmp"},
	}
}

// TestImportIntoContainerd imports an archive with the containerd client, unpacks it and checks the
// image containerd made of it; importing it again changes nothing.
func TestImportIntoContainerd(t *testing.T) {
	client := containerdtest.Client(t)
	ctx := containerdtest.Namespace(t, client)

	imgs := []ociimage.Image{e2eImage("example.com/minikubelet/hello:v1"), e2eImage("example.com/minikubelet/hello:latest")}
	built, err := ociimage.Build(imgs[0])
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var archive bytes.Buffer
	if err := ociimage.WriteArchive(&archive, imgs...); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}

	for _, round := range []string{"first import", "second import"} {
		records, err := client.Import(ctx, bytes.NewReader(archive.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		var names []string
		for _, r := range records {
			names = append(names, r.Name)
			if r.Target.Digest != built.ManifestDigest {
				t.Errorf("%s: image %s targets %s, want %s", round, r.Name, r.Target.Digest, built.ManifestDigest)
			}
		}
		if want := []string{imgs[0].Name, imgs[1].Name}; !slices.Equal(names, want) {
			t.Fatalf("%s named %v, want %v", round, names, want)
		}
	}

	img, err := client.GetImage(ctx, imgs[0].Name)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if err := img.Unpack(ctx, containerdtest.Snapshotter); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	if ok, err := img.IsUnpacked(ctx, containerdtest.Snapshotter); err != nil || !ok {
		t.Fatalf("IsUnpacked = %v, %v; want true", ok, err)
	}
	desc, err := img.Config(ctx)
	if err != nil {
		t.Fatalf("image config: %v", err)
	}
	if desc.Digest != built.ConfigDigest {
		t.Errorf("config digest %s, want %s", desc.Digest, built.ConfigDigest)
	}
	blob, err := content.ReadBlob(ctx, img.ContentStore(), desc)
	if err != nil {
		t.Fatalf("read config: %v", err)
	}
	var config ocispec.Image
	if err := json.Unmarshal(blob, &config); err != nil {
		t.Fatalf("decode config: %v", err)
	}
	if !slices.Equal(config.Config.Cmd, []string{"/bin/hello"}) || config.Config.WorkingDir != "/tmp" {
		t.Errorf("config %+v, want Cmd [/bin/hello] and WorkingDir /tmp", config.Config)
	}
	diffIDs, err := img.RootFS(ctx)
	if err != nil || !slices.Equal(diffIDs, config.RootFS.DiffIDs) {
		t.Errorf("RootFS = %v, %v; want %v", diffIDs, err, config.RootFS.DiffIDs)
	}
}

// TestCtrImport checks that `ctr images import` names the images from the archive too.
func TestCtrImport(t *testing.T) {
	client := containerdtest.Client(t)
	ctx := containerdtest.Namespace(t, client)
	ctr, err := exec.LookPath("ctr")
	if err != nil {
		t.Fatalf("ctr is not installed: %v", err)
	}
	ns, _ := namespaces.Namespace(ctx)

	name := "example.com/minikubelet/hello:ctr"
	path := filepath.Join(t.TempDir(), "hello.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ociimage.WriteArchive(f, e2eImage(name)); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, ctr, "--address", containerdtest.Socket, "--namespace", ns, "images", "import", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ctr images import: %v\n%s", err, out)
	}
	list, err := client.ListImages(ctx)
	if err != nil {
		t.Fatalf("list images: %v", err)
	}
	var names []string
	for _, img := range list {
		names = append(names, img.Name())
	}
	if !slices.Equal(names, []string{name}) {
		t.Fatalf("ctr images import made images %v, want [%s]\nctr said: %s", names, name, out)
	}
}
