package ociimage

import (
	_ "crypto/sha256" // go-digest's sha256 algorithm needs the hash registered
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Built is an image's blobs: what a registry serves and what an OCI layout holds.
type Built struct {
	Manifest, Config, Layer                   []byte
	ManifestDigest, ConfigDigest, LayerDigest digest.Digest
	// Descriptor describes the manifest (media type, digest, size, platform) as an index lists it.
	Descriptor ocispec.Descriptor
}

// Blob returns the manifest, config or layer whose digest is d, with its media type.
func (b Built) Blob(d digest.Digest) (data []byte, mediaType string, ok bool) {
	switch d {
	case b.ManifestDigest:
		return b.Manifest, ocispec.MediaTypeImageManifest, true
	case b.ConfigDigest:
		return b.Config, ocispec.MediaTypeImageConfig, true
	case b.LayerDigest:
		return b.Layer, ocispec.MediaTypeImageLayer, true
	}
	return nil, "", false
}

// Build makes the image's layer, config and manifest. The same image always gives the same bytes,
// so importing an unchanged image again changes nothing. The name is not part of the blobs.
func Build(img Image) (Built, error) {
	layer, err := layerTar(img.Files)
	if err != nil {
		return Built{}, fmt.Errorf("build image %q: %w", img.Name, err)
	}
	layerDigest := digest.FromBytes(layer)

	cfg, err := imageConfig(img.Config)
	if err != nil {
		return Built{}, fmt.Errorf("build image %q: %w", img.Name, err)
	}
	platform := ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}
	created := epoch
	config, err := json.Marshal(ocispec.Image{
		Created:  &created,
		Platform: platform,
		Config:   cfg,
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDigest}},
		History:  []ocispec.History{{Created: &created, CreatedBy: "minikubelet ociimage.Build"}},
	})
	if err != nil {
		return Built{}, fmt.Errorf("build image %q: encode config: %w", img.Name, err)
	}
	configDigest := digest.FromBytes(config)

	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{
			MediaType: ocispec.MediaTypeImageConfig,
			Digest:    configDigest,
			Size:      int64(len(config)),
		},
		Layers: []ocispec.Descriptor{{
			MediaType: ocispec.MediaTypeImageLayer,
			Digest:    layerDigest,
			Size:      int64(len(layer)),
		}},
	})
	if err != nil {
		return Built{}, fmt.Errorf("build image %q: encode manifest: %w", img.Name, err)
	}
	manifestDigest := digest.FromBytes(manifest)

	return Built{
		Manifest:       manifest,
		Config:         config,
		Layer:          layer,
		ManifestDigest: manifestDigest,
		ConfigDigest:   configDigest,
		LayerDigest:    layerDigest,
		Descriptor: ocispec.Descriptor{
			MediaType: ocispec.MediaTypeImageManifest,
			Digest:    manifestDigest,
			Size:      int64(len(manifest)),
			Platform:  &platform,
		},
	}, nil
}

// imageConfig maps Config onto the OCI image configuration.
func imageConfig(c Config) (ocispec.ImageConfig, error) {
	var ports map[string]struct{}
	for _, p := range c.ExposedPorts {
		port, err := exposedPort(p)
		if err != nil {
			return ocispec.ImageConfig{}, err
		}
		if ports == nil {
			ports = make(map[string]struct{}, len(c.ExposedPorts))
		}
		ports[port] = struct{}{}
	}
	return ocispec.ImageConfig{
		User:         c.User,
		ExposedPorts: ports,
		Env:          c.Env,
		Entrypoint:   c.Entrypoint,
		Cmd:          c.Cmd,
		WorkingDir:   c.WorkingDir,
		Labels:       c.Labels,
		StopSignal:   c.StopSignal,
	}, nil
}

// exposedPort checks "PORT/PROTO" and defaults the protocol to tcp, as docker does.
func exposedPort(s string) (string, error) {
	num, proto, found := strings.Cut(s, "/")
	if !found {
		proto = "tcp"
	}
	if n, err := strconv.ParseUint(num, 10, 16); err != nil || n == 0 {
		return "", fmt.Errorf("exposed port %q: want PORT/PROTOCOL with PORT in 1-65535", s)
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return "", fmt.Errorf("exposed port %q: protocol must be tcp, udp or sctp", s)
	}
	return num + "/" + proto, nil
}
