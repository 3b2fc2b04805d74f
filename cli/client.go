// Package cli holds the minikubelet subcommands that talk to a running agent:
// each is a function taking options and writing to an io.Writer, so that
// cmd/minikubelet stays a thin adapter (nerdctl's cmd -> pkg/cmd split).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/minikubelet/minikubelet/manifest"
)

// DefaultBaseURL is where the agent serves its API.
const DefaultBaseURL = "http://127.0.0.1:10255"

// ErrNotFound matches the error of a request the agent answered with 404.
var ErrNotFound = errors.New("not found")

// statusError is a response other than 200 OK, with the start of its body.
type statusError struct {
	url    string
	status string // "404 Not Found"
	code   int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: %s: %s", e.url, e.status, e.body)
}

// Is makes errors.Is(err, ErrNotFound) hold for a 404.
func (e *statusError) Is(target error) bool {
	return target == ErrNotFound && e.code == http.StatusNotFound
}

const (
	defaultTimeout = 30 * time.Second
	maxBodyBytes   = 64 << 20
)

// Client talks to the agent's HTTP API (package server).
type Client struct {
	BaseURL string       // default DefaultBaseURL
	HTTP    *http.Client // default: a client with a 30 s timeout
}

// Pods returns every pod the agent runs, with status.
func (c *Client) Pods(ctx context.Context) (*v1.PodList, error) {
	var list v1.PodList
	if err := c.get(ctx, "/pods", &list); err != nil {
		return nil, err
	}
	return &list, nil
}

// PodEvents returns the recent events of a pod. It returns an error matching
// ErrNotFound when the agent has no such pod.
func (c *Client) PodEvents(ctx context.Context, namespace, name string) (*v1.EventList, error) {
	var list v1.EventList
	path := "/pods/" + url.PathEscape(namespace) + "/" + url.PathEscape(name) + "/events"
	if err := c.get(ctx, path, &list); err != nil {
		return nil, err
	}
	return &list, nil
}

// Errors returns the manifests the agent refused.
func (c *Client) Errors(ctx context.Context) ([]manifest.FileError, error) {
	var list struct {
		Items []manifest.FileError `json:"items"`
	}
	if err := c.get(ctx, "/errors", &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// get fetches path and decodes its JSON body into v.
func (c *Client) get(ctx context.Context, path string, v any) error {
	base := strings.TrimSuffix(c.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	target := base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("cannot reach the minikubelet agent at %s (is the agent running?): %w", base, err)
		}
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: read body: %w", target, err)
	}
	if len(body) > maxBodyBytes {
		return fmt.Errorf("GET %s: response larger than %d bytes", target, maxBodyBytes)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 512 {
			msg = msg[:512] + "..."
		}
		return &statusError{url: target, status: resp.Status, code: resp.StatusCode, body: msg}
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, v); err != nil {
		return fmt.Errorf("GET %s: decode response: %w", target, err)
	}
	return nil
}
