package registry

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/minikubelet/minikubelet/ociimage"
)

func testImage(greeting string) ociimage.Image {
	return ociimage.Image{
		Files: []ociimage.File{
			{Path: "/bin/hello", Mode: 0o755, Data: []byte("#!/bin/sh\necho " + greeting + "\n")},
			{Path: "/bin/sh", Mode: fs.ModeSymlink | 0o777, Linkname: "hello"},
		},
		Config: ociimage.Config{Cmd: []string{"/bin/hello"}},
	}
}

// startRegistry serves test/hello:v1, test/hello:v2 and deep/name/space/app (latest).
func startRegistry(t *testing.T) (*Registry, map[string]ociimage.Built) {
	t.Helper()
	imgs := map[string]ociimage.Image{
		"test/hello:v1":        testImage("v1"),
		"test/hello:v2":        testImage("v2"),
		"deep/name/space/app":  testImage("app"),
		"test/hello:v1-second": testImage("v1"), // same image, second tag
	}
	built := make(map[string]ociimage.Built)
	for name, img := range imgs {
		b, err := ociimage.Build(img)
		if err != nil {
			t.Fatalf("Build %s: %v", name, err)
		}
		built[name] = b
	}
	reg, err := Start(imgs)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := reg.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return reg, built
}

func newResolver() remotes.Resolver {
	return docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchLocalhost)),
	})
}

// TestResolveAndFetch pulls by hand the way containerd does: resolve the tag, fetch the manifest,
// then its config and layer.
func TestResolveAndFetch(t *testing.T) {
	reg, built := startRegistry(t)
	tests := []struct {
		name  string
		ref   string
		built string
	}{
		{name: "tag", ref: reg.Ref("test/hello:v1"), built: "test/hello:v1"},
		{name: "other tag", ref: reg.Ref("test/hello:v2"), built: "test/hello:v2"},
		{name: "nested repository, tagged latest by default", ref: reg.Ref("deep/name/space/app:latest"), built: "deep/name/space/app"},
		{name: "digest", ref: reg.Ref("test/hello@" + built["test/hello:v2"].ManifestDigest.String()), built: "test/hello:v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := built[tt.built]
			resolver := newResolver()
			name, desc, err := resolver.Resolve(t.Context(), tt.ref)
			if err != nil {
				t.Fatalf("Resolve(%s): %v", tt.ref, err)
			}
			if desc.Digest != want.ManifestDigest || desc.MediaType != ocispec.MediaTypeImageManifest || desc.Size != int64(len(want.Manifest)) {
				t.Fatalf("Resolve(%s) = %+v, want the manifest %s", tt.ref, desc, want.ManifestDigest)
			}
			fetcher, err := resolver.Fetcher(t.Context(), name)
			if err != nil {
				t.Fatalf("Fetcher: %v", err)
			}
			before := reg.ManifestRequests()
			manifestBlob := fetch(t, fetcher, desc)
			if got := reg.ManifestRequests(); got != before+1 {
				t.Errorf("ManifestRequests went from %d to %d, want one more", before, got)
			}
			var manifest ocispec.Manifest
			if err := json.Unmarshal(manifestBlob, &manifest); err != nil {
				t.Fatalf("decode manifest: %v", err)
			}
			if !bytes.Equal(fetch(t, fetcher, manifest.Config), want.Config) {
				t.Error("fetched config differs from the built one")
			}
			if !bytes.Equal(fetch(t, fetcher, manifest.Layers[0]), want.Layer) {
				t.Error("fetched layer differs from the built one")
			}
		})
	}
}

func fetch(t *testing.T, fetcher remotes.Fetcher, desc ocispec.Descriptor) []byte {
	t.Helper()
	rc, err := fetcher.Fetch(t.Context(), desc)
	if err != nil {
		t.Fatalf("Fetch %s: %v", desc.Digest, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", desc.Digest, err)
	}
	if digest.FromBytes(data) != desc.Digest {
		t.Fatalf("fetched %s: content has digest %s", desc.Digest, digest.FromBytes(data))
	}
	return data
}

func TestResolveUnknown(t *testing.T) {
	reg, _ := startRegistry(t)
	for _, ref := range []string{reg.Ref("test/hello:v3"), reg.Ref("test/nothing:v1")} {
		if _, _, err := newResolver().Resolve(t.Context(), ref); !errdefs.IsNotFound(err) {
			t.Errorf("Resolve(%s) = %v, want not found", ref, err)
		}
	}
}

// TestHTTP checks status, headers and error bodies against the distribution spec.
func TestHTTP(t *testing.T) {
	reg, built := startRegistry(t)
	v1 := built["test/hello:v1"]
	tests := []struct {
		name        string
		method      string
		path        string
		wantStatus  int
		wantCode    string // error code in the JSON body
		wantType    string
		wantDigest  digest.Digest
		wantLength  int
		wantPayload []byte // nil: not checked
	}{
		{name: "version check", method: "GET", path: "/v2/", wantStatus: 200, wantType: "application/json"},
		{name: "manifest by tag", method: "GET", path: "/v2/test/hello/manifests/v1", wantStatus: 200,
			wantType: ocispec.MediaTypeImageManifest, wantDigest: v1.ManifestDigest, wantLength: len(v1.Manifest), wantPayload: v1.Manifest},
		{name: "manifest head", method: "HEAD", path: "/v2/test/hello/manifests/v1", wantStatus: 200,
			wantType: ocispec.MediaTypeImageManifest, wantDigest: v1.ManifestDigest, wantLength: len(v1.Manifest), wantPayload: []byte{}},
		{name: "manifest by digest", method: "GET", path: "/v2/test/hello/manifests/" + v1.ManifestDigest.String(), wantStatus: 200,
			wantType: ocispec.MediaTypeImageManifest, wantDigest: v1.ManifestDigest, wantLength: len(v1.Manifest)},
		{name: "layer", method: "GET", path: "/v2/test/hello/blobs/" + v1.LayerDigest.String(), wantStatus: 200,
			wantType: ocispec.MediaTypeImageLayer, wantDigest: v1.LayerDigest, wantLength: len(v1.Layer), wantPayload: v1.Layer},
		{name: "config head", method: "HEAD", path: "/v2/test/hello/blobs/" + v1.ConfigDigest.String(), wantStatus: 200,
			wantType: ocispec.MediaTypeImageConfig, wantDigest: v1.ConfigDigest, wantLength: len(v1.Config)},
		{name: "unknown tag", method: "GET", path: "/v2/test/hello/manifests/v9", wantStatus: 404, wantCode: "MANIFEST_UNKNOWN"},
		{name: "config as manifest", method: "GET", path: "/v2/test/hello/manifests/" + v1.ConfigDigest.String(), wantStatus: 404, wantCode: "MANIFEST_UNKNOWN"},
		{name: "unknown repository", method: "GET", path: "/v2/test/nothing/manifests/v1", wantStatus: 404, wantCode: "NAME_UNKNOWN"},
		{name: "blob of another repository", method: "GET", path: "/v2/deep/name/space/app/blobs/" + v1.LayerDigest.String(), wantStatus: 404, wantCode: "BLOB_UNKNOWN"},
		{name: "unknown blob", method: "GET", path: "/v2/test/hello/blobs/" + digest.FromString("x").String(), wantStatus: 404, wantCode: "BLOB_UNKNOWN"},
		{name: "invalid digest", method: "GET", path: "/v2/test/hello/blobs/sha256:xyz", wantStatus: 400, wantCode: "DIGEST_INVALID"},
		{name: "other path", method: "GET", path: "/v2/test/hello/tags/list", wantStatus: 404, wantCode: "NAME_UNKNOWN"},
		{name: "push", method: "PUT", path: "/v2/test/hello/manifests/v1", wantStatus: 405, wantCode: "UNSUPPORTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, "http://"+reg.Host()+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("Docker-Distribution-API-Version"); got != "registry/2.0" {
				t.Errorf("Docker-Distribution-API-Version = %q", got)
			}
			if tt.wantCode != "" {
				var errBody struct {
					Errors []struct{ Code, Message string }
				}
				if err := json.Unmarshal(body, &errBody); err != nil || len(errBody.Errors) != 1 || errBody.Errors[0].Code != tt.wantCode {
					t.Fatalf("error body %s (%v), want one error with code %s", body, err, tt.wantCode)
				}
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if tt.wantDigest != "" {
				if got := resp.Header.Get("Docker-Content-Digest"); got != tt.wantDigest.String() {
					t.Errorf("Docker-Content-Digest = %q, want %q", got, tt.wantDigest)
				}
				if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(tt.wantLength) {
					t.Errorf("Content-Length = %q, want %d", got, tt.wantLength)
				}
			}
			if tt.wantPayload != nil && !bytes.Equal(body, tt.wantPayload) {
				t.Errorf("body of %d bytes, want %d bytes", len(body), len(tt.wantPayload))
			}
		})
	}
}

func TestStartRejects(t *testing.T) {
	tests := []struct {
		name    string
		imgs    map[string]ociimage.Image
		wantErr string
	}{
		{name: "host in name", imgs: map[string]ociimage.Image{"docker.io/library/busybox:1": testImage("x")}, wantErr: "without a host"},
		{name: "localhost in name", imgs: map[string]ociimage.Image{"localhost/busybox:1": testImage("x")}, wantErr: "without a host"},
		{name: "digest", imgs: map[string]ociimage.Image{"test/x@sha256:" + strings.Repeat("a", 64): testImage("x")}, wantErr: "not a digest"},
		{name: "invalid", imgs: map[string]ociimage.Image{"Test/X:1": testImage("x")}, wantErr: "Test/X"},
		{name: "bad image", imgs: map[string]ociimage.Image{"test/x:1": {Files: []ociimage.File{{Path: "x"}}}}, wantErr: "not absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := Start(tt.imgs)
			if err == nil {
				reg.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCloseStopsServing(t *testing.T) {
	reg, err := Start(map[string]ociimage.Image{"test/x:1": testImage("x")})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := reg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := reg.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if resp, err := http.Get("http://" + reg.Host() + "/v2/"); err == nil {
		resp.Body.Close()
		t.Fatal("the registry still answers after Close")
	}
}
