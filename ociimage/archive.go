package ociimage

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// AnnotationImageName is the index annotation containerd reads an imported image's name from.
const AnnotationImageName = "io.containerd.image.name"

// WriteArchive writes an OCI image-layout tarball (oci-layout, index.json, blobs/sha256/...) holding
// the images. Each index.json manifest entry carries the annotations "io.containerd.image.name" (the
// full name) and "org.opencontainers.image.ref.name" (the tag), so `ctr images import` and
// containerd's client Import name them right. Names are normalised ("busybox" is
// "docker.io/library/busybox:latest"); blobs the images share are written once. The same images
// always give the same bytes.
func WriteArchive(w io.Writer, imgs ...Image) error {
	if len(imgs) == 0 {
		return errors.New("write image archive: no images")
	}
	index := ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
	}
	blobs := make(map[digest.Digest][]byte)
	seen := make(map[string]bool, len(imgs))
	for _, img := range imgs {
		name, tag, err := taggedName(img.Name)
		if err != nil {
			return fmt.Errorf("write image archive: %w", err)
		}
		if seen[name] {
			return fmt.Errorf("write image archive: image %s listed twice", name)
		}
		seen[name] = true
		built, err := Build(img)
		if err != nil {
			return fmt.Errorf("write image archive: %w", err)
		}
		blobs[built.ManifestDigest] = built.Manifest
		blobs[built.ConfigDigest] = built.Config
		blobs[built.LayerDigest] = built.Layer
		desc := built.Descriptor
		desc.Annotations = map[string]string{
			AnnotationImageName:       name,
			ocispec.AnnotationRefName: tag,
		}
		index.Manifests = append(index.Manifests, desc)
	}
	indexJSON, err := json.Marshal(index)
	if err != nil {
		return fmt.Errorf("write image archive: encode index: %w", err)
	}
	layoutJSON, err := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err != nil {
		return fmt.Errorf("write image archive: encode layout: %w", err)
	}

	tw := tar.NewWriter(w)
	files := []struct {
		name string
		data []byte
	}{
		{ocispec.ImageLayoutFile, layoutJSON},
		{ocispec.ImageIndexFile, indexJSON},
	}
	for _, f := range files {
		if err := writeArchiveFile(tw, f.name, f.data); err != nil {
			return err
		}
	}
	for _, dir := range []string{ocispec.ImageBlobsDir + "/", ocispec.ImageBlobsDir + "/sha256/"} {
		hdr := &tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write image archive: %s: %w", dir, err)
		}
	}
	digests := make([]digest.Digest, 0, len(blobs))
	for d := range blobs {
		digests = append(digests, d)
	}
	sort.Slice(digests, func(i, j int) bool { return digests[i] < digests[j] })
	for _, d := range digests {
		name := ocispec.ImageBlobsDir + "/" + d.Algorithm().String() + "/" + d.Encoded()
		if err := writeArchiveFile(tw, name, blobs[d]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write image archive: %w", err)
	}
	return nil
}

func writeArchiveFile(tw *tar.Writer, name string, data []byte) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     0o644,
		Size:     int64(len(data)),
		ModTime:  epoch,
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write image archive: %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write image archive: %s: %w", name, err)
	}
	return nil
}

// taggedName normalises an image name and returns it with its tag. A name holding a digest is
// refused: the digest is the build's to decide.
func taggedName(s string) (name, tag string, err error) {
	ref, err := reference.ParseDockerRef(s)
	if err != nil {
		return "", "", fmt.Errorf("image name %q: %w", s, err)
	}
	tagged, ok := ref.(reference.NamedTagged)
	if !ok {
		return "", "", fmt.Errorf("image name %q: want a tag, not a digest", s)
	}
	return ref.String(), tagged.Tag(), nil
}
