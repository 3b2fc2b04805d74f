package registry

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// The error codes of the OCI distribution spec this registry answers with.
const (
	codeNameUnknown     = "NAME_UNKNOWN"
	codeManifestUnknown = "MANIFEST_UNKNOWN"
	codeBlobUnknown     = "BLOB_UNKNOWN"
	codeDigestInvalid   = "DIGEST_INVALID"
	codeUnsupported     = "UNSUPPORTED"
)

// ServeHTTP implements the read side of the distribution API:
//
//	GET /v2/                                     API version check
//	GET|HEAD /v2/<name>/manifests/<tag|digest>   a manifest
//	GET|HEAD /v2/<name>/blobs/<digest>           a config or layer (or manifest)
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, codeUnsupported, "this registry is read-only")
		return
	}
	if req.URL.Path == "/v2/" || req.URL.Path == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}\n"))
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/v2/")
	if !ok {
		writeError(w, http.StatusNotFound, codeNameUnknown, "not a distribution API path")
		return
	}
	if name, ref, ok := cutLast(rest, "/manifests/"); ok {
		r.serveManifest(w, req, name, ref)
		return
	}
	if name, ref, ok := cutLast(rest, "/blobs/"); ok {
		r.serveBlob(w, req, name, ref)
		return
	}
	writeError(w, http.StatusNotFound, codeNameUnknown, "not a distribution API path")
}

func (r *Registry) serveManifest(w http.ResponseWriter, req *http.Request, name, ref string) {
	repo, ok := r.repos[name]
	if !ok {
		writeError(w, http.StatusNotFound, codeNameUnknown, "repository name not known to registry")
		return
	}
	d, isTag := repo.tags[ref]
	if !isTag {
		d = digest.Digest(ref)
	}
	if !repo.manifests[d] {
		writeError(w, http.StatusNotFound, codeManifestUnknown, "manifest unknown")
		return
	}
	if req.Method == http.MethodGet {
		r.manifestGETs.Add(1)
	}
	serveBlob(w, req, d, repo.blobs[d])
}

func (r *Registry) serveBlob(w http.ResponseWriter, req *http.Request, name, ref string) {
	repo, ok := r.repos[name]
	if !ok {
		writeError(w, http.StatusNotFound, codeNameUnknown, "repository name not known to registry")
		return
	}
	d, err := digest.Parse(ref)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeDigestInvalid, "provided digest did not match uploaded content")
		return
	}
	b, ok := repo.blobs[d]
	if !ok {
		writeError(w, http.StatusNotFound, codeBlobUnknown, "blob unknown to registry")
		return
	}
	serveBlob(w, req, d, b)
}

// serveBlob answers GET and HEAD (and Range requests) with the content and the headers the
// distribution spec asks for: Content-Type, Content-Length and Docker-Content-Digest.
func serveBlob(w http.ResponseWriter, req *http.Request, d digest.Digest, b blob) {
	w.Header().Set("Content-Type", b.mediaType)
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Etag", `"`+d.String()+`"`)
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(b.data))
}

// writeError writes the distribution spec's error body: {"errors":[{"code":..,"message":..}]}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	type specError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	// Strings only: encoding cannot fail.
	body, _ := json.Marshal(struct {
		Errors []specError `json:"errors"`
	}{Errors: []specError{{Code: code, Message: message}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// cutLast splits s around the last sep; repository names may hold slashes but not these words.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
