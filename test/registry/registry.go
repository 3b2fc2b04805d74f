// Package registry is a read-only OCI registry on loopback for tests: it serves built images over
// plain HTTP the way containerd's resolver pulls them, so image pulling is tested for real without a
// network.
package registry

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/minikubelet/minikubelet/ociimage"
)

// Registry serves a fixed set of images on 127.0.0.1 until Close.
type Registry struct {
	host     string
	server   *http.Server
	done     chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned; read after done is closed

	repos        map[string]repository // by repository name; read-only once Start returns
	manifestGETs atomic.Int64
}

// repository is one repository's tags and blobs.
type repository struct {
	tags      map[string]digest.Digest // tag -> manifest digest
	manifests map[digest.Digest]bool   // the blobs that are manifests
	blobs     map[digest.Digest]blob   // manifests, configs and layers
}

type blob struct {
	data      []byte
	mediaType string
}

// Start serves the images on 127.0.0.1 (random port) until Close. Image names are given as
// "test/busybox:v1" (repository:tag, no host); a name without a tag is tagged latest.
func Start(imgs map[string]ociimage.Image) (*Registry, error) {
	repos := make(map[string]repository)
	for name, img := range imgs {
		repoName, tag, err := splitName(name)
		if err != nil {
			return nil, err
		}
		built, err := ociimage.Build(img)
		if err != nil {
			return nil, fmt.Errorf("registry image %q: %w", name, err)
		}
		repo, ok := repos[repoName]
		if !ok {
			repo = repository{
				tags:      make(map[string]digest.Digest),
				manifests: make(map[digest.Digest]bool),
				blobs:     make(map[digest.Digest]blob),
			}
			repos[repoName] = repo
		}
		if _, dup := repo.tags[tag]; dup {
			return nil, fmt.Errorf("registry image %q: %s:%s given twice", name, repoName, tag)
		}
		repo.tags[tag] = built.ManifestDigest
		repo.manifests[built.ManifestDigest] = true
		for _, d := range []digest.Digest{built.ManifestDigest, built.ConfigDigest, built.LayerDigest} {
			data, mediaType, _ := built.Blob(d)
			repo.blobs[d] = blob{data: data, mediaType: mediaType}
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("registry: listen: %w", err)
	}
	r := &Registry{
		host:  ln.Addr().String(),
		repos: repos,
		done:  make(chan struct{}),
	}
	r.server = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.done)
		r.serveErr = r.server.Serve(ln)
	}()
	return r, nil
}

// Host is the registry's address, "127.0.0.1:PORT".
func (r *Registry) Host() string { return r.host }

// Ref is the full reference of an image the registry serves: "127.0.0.1:PORT/test/busybox:v1".
func (r *Registry) Ref(name string) string { return r.host + "/" + name }

// ManifestRequests counts the GET manifest requests served, so tests can assert a pull happened.
func (r *Registry) ManifestRequests() int { return int(r.manifestGETs.Load()) }

// Close stops the server, ends open connections and waits for the server to return.
func (r *Registry) Close() error {
	err := r.server.Close()
	<-r.done
	if !errors.Is(r.serveErr, http.ErrServerClosed) {
		err = errors.Join(err, r.serveErr)
	}
	if err != nil {
		return fmt.Errorf("close registry: %w", err)
	}
	return nil
}

// splitName splits "test/busybox:v1" into repository and tag, refusing hosts and digests.
func splitName(name string) (repo, tag string, err error) {
	if first, _, hasSlash := strings.Cut(name, "/"); hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return "", "", fmt.Errorf("registry image %q: give repository:tag without a host", name)
	}
	// A placeholder host makes the reference parser treat all of name as the repository path.
	ref, err := reference.ParseNamed("registry.invalid/" + name)
	if err != nil {
		return "", "", fmt.Errorf("registry image %q: %w", name, err)
	}
	if _, ok := ref.(reference.Digested); ok {
		return "", "", fmt.Errorf("registry image %q: give a tag, not a digest", name)
	}
	tagged, ok := reference.TagNameOnly(ref).(reference.Tagged)
	if !ok {
		return "", "", fmt.Errorf("registry image %q: no tag", name)
	}
	return reference.Path(ref), tagged.Tag(), nil
}
