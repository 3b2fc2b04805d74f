package containerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/distribution/reference"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/runtime"
)

// NormalizeImage turns a pod's image field into the fully qualified reference containerd stores
// ("busybox" -> "docker.io/library/busybox:latest").
func NormalizeImage(image string) (string, error) {
	named, err := reference.ParseDockerRef(image)
	if err != nil {
		return "", fmt.Errorf("parse image reference %q: %w", image, err)
	}
	return named.String(), nil
}

// EnsureImage makes the image present per the pull policy and returns what a container needs of it.
// Errors wrap runtime.ErrImageNeverPull or runtime.ErrImagePull so the engine can name the reason.
func (r *Runtime) EnsureImage(ctx context.Context, image string, policy v1.PullPolicy) (runtime.ImageInfo, error) {
	ctx = r.ctx(ctx)
	name, err := NormalizeImage(image)
	if err != nil {
		return runtime.ImageInfo{}, fmt.Errorf("%w: %w", runtime.ErrInvalidImageName, err)
	}
	img, err := r.client.GetImage(ctx, name)
	present := err == nil
	if err != nil && !errdefs.IsNotFound(err) {
		return runtime.ImageInfo{}, fmt.Errorf("look up image %s: %w", name, err)
	}
	pulled := false
	switch {
	case policy == v1.PullAlways, !present && policy != v1.PullNever:
		img, err = r.pull(ctx, name)
		if err != nil {
			return runtime.ImageInfo{}, fmt.Errorf("%w: %w", runtime.ErrImagePull, err)
		}
		pulled = true
	case !present:
		return runtime.ImageInfo{}, fmt.Errorf("%w: container image %q is not present with pull policy of Never", runtime.ErrImageNeverPull, image)
	}
	info, err := r.imageInfo(ctx, img)
	info.Pulled = pulled
	return info, err
}

func (r *Runtime) pull(ctx context.Context, name string) (containerd.Image, error) {
	resolver := docker.NewResolver(docker.ResolverOptions{
		// Registries on loopback speak plain HTTP, as containerd and docker allow.
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchLocalhost)),
	})
	r.log.Info("pulling image", "image", name)
	ctx, done, err := r.lease(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	start := time.Now()
	img, err := r.client.Pull(ctx, name,
		containerd.WithResolver(resolver),
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(r.snapshotter))
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	took := time.Since(start)
	size, err := img.Size(ctx)
	if err != nil {
		r.log.Warn("size of pulled image unknown", "image", name, "err", err)
	}
	r.pulls.ObserveImagePull(size, took)
	return img, nil
}

func (r *Runtime) imageInfo(ctx context.Context, img containerd.Image) (runtime.ImageInfo, error) {
	unpacked, err := img.IsUnpacked(ctx, r.snapshotter)
	if err != nil {
		return runtime.ImageInfo{}, fmt.Errorf("check image %s is unpacked: %w", img.Name(), err)
	}
	if !unpacked {
		// Under a lease of our own (see lease); an image already unpacked, the usual case, needs
		// none, so a container start pays no lease round trips.
		lctx, done, err := r.lease(ctx)
		if err != nil {
			return runtime.ImageInfo{}, err
		}
		err = img.Unpack(lctx, r.snapshotter)
		done()
		if err != nil {
			return runtime.ImageInfo{}, fmt.Errorf("unpack image %s: %w", img.Name(), err)
		}
	}
	desc, err := img.Config(ctx)
	if err != nil {
		return runtime.ImageInfo{}, fmt.Errorf("image %s config: %w", img.Name(), err)
	}
	blob, err := content.ReadBlob(ctx, img.ContentStore(), desc)
	if err != nil {
		return runtime.ImageInfo{}, fmt.Errorf("read image %s config: %w", img.Name(), err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(blob, &cfg); err != nil {
		return runtime.ImageInfo{}, fmt.Errorf("decode image %s config: %w", img.Name(), err)
	}
	id := img.Target().Digest.String()
	if named, err := reference.ParseNormalizedNamed(img.Name()); err == nil {
		id = named.Name() + "@" + id
	}
	return runtime.ImageInfo{
		Name:       img.Name(),
		ID:         id,
		Entrypoint: cfg.Config.Entrypoint,
		Cmd:        cfg.Config.Cmd,
		Env:        cfg.Config.Env,
		WorkingDir: cfg.Config.WorkingDir,
		User:       cfg.Config.User,
		StopSignal: cfg.Config.StopSignal,
	}, nil
}

// ImportArchive imports every image of an OCI-layout or `docker save` tarball and unpacks it.
// It returns the names imported.
func (r *Runtime) ImportArchive(ctx context.Context, path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open image archive: %w", err)
	}
	defer f.Close()
	names, err := r.Import(ctx, f)
	if err != nil {
		return names, fmt.Errorf("%s: %w", path, err)
	}
	return names, nil
}

// Import imports and unpacks the images of an archive stream.
func (r *Runtime) Import(ctx context.Context, archive io.Reader) ([]string, error) {
	ctx = r.ctx(ctx)
	ctx, done, err := r.lease(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	imgs, err := r.client.Import(ctx, archive, containerd.WithImageRefTranslator(fullRefOnly))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if len(imgs) == 0 {
		return nil, errors.New("the archive names no image (an OCI layout needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation)")
	}
	var names []string
	for _, rec := range imgs {
		img := containerd.NewImage(r.client, rec)
		if err := img.Unpack(ctx, r.snapshotter); err != nil {
			return names, fmt.Errorf("unpack %s: %w", rec.Name, err)
		}
		names = append(names, rec.Name)
	}
	return names, nil
}

// fullRefOnly keeps OCI ref.name annotations that are whole references ("busybox:1.35",
// "registry.example/app:v1") and drops bare tags ("latest"), which name no repository.
func fullRefOnly(ref string) string {
	if !strings.ContainsAny(ref, "/:@") {
		return ""
	}
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return ""
	}
	return named.String()
}

// ImageSummary is one line of `minikubelet image ls`.
type ImageSummary struct {
	Name   string
	Digest string
	Size   int64
}

// ListImages lists the images in the agent's namespace, sorted by name.
func (r *Runtime) ListImages(ctx context.Context) ([]ImageSummary, error) {
	ctx = r.ctx(ctx)
	imgs, err := r.client.ListImages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var out []ImageSummary
	for _, img := range imgs {
		size, err := img.Size(ctx)
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return nil, fmt.Errorf("size of image %s: %w", img.Name(), err)
		}
		out = append(out, ImageSummary{Name: img.Name(), Digest: img.Target().Digest.String(), Size: size})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// HasImage reports whether an image of that exact name is present.
func (r *Runtime) HasImage(ctx context.Context, name string) (bool, error) {
	_, err := r.client.GetImage(r.ctx(ctx), name)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
