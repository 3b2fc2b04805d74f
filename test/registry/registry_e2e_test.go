package registry_test

import (
	"io/fs"
	"testing"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/remotes/docker"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/containerdtest"
	"github.com/minikubelet/minikubelet/test/registry"
)

// TestPullIntoContainerd pulls an image from the registry with the containerd client, as the agent
// does, into a temporary namespace and unpacks it.
func TestPullIntoContainerd(t *testing.T) {
	client := containerdtest.Client(t)
	ctx := containerdtest.Namespace(t, client)

	img := ociimage.Image{
		Files:  []ociimage.File{{Path: "/bin/hello", Mode: 0o755, Data: []byte("hello")}, {Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777}},
		Config: ociimage.Config{Cmd: []string{"/bin/hello"}},
	}
	built, err := ociimage.Build(img)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	reg, err := registry.Start(map[string]ociimage.Image{"test/hello:v1": img})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := reg.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})

	ref := reg.Ref("test/hello:v1")
	resolver := docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchLocalhost)),
	})
	pulled, err := client.Pull(ctx, ref,
		containerd.WithResolver(resolver),
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(containerdtest.Snapshotter))
	if err != nil {
		t.Fatalf("Pull(%s): %v", ref, err)
	}
	if pulled.Name() != ref || pulled.Target().Digest != built.ManifestDigest {
		t.Errorf("pulled %s at %s, want %s at %s", pulled.Name(), pulled.Target().Digest, ref, built.ManifestDigest)
	}
	if got := reg.ManifestRequests(); got < 1 {
		t.Errorf("ManifestRequests = %d after a pull, want at least 1", got)
	}
	if ok, err := pulled.IsUnpacked(ctx, containerdtest.Snapshotter); err != nil || !ok {
		t.Errorf("IsUnpacked = %v, %v; want true", ok, err)
	}
	if _, err := client.GetImage(ctx, ref); err != nil {
		t.Errorf("GetImage after pull: %v", err)
	}
}
