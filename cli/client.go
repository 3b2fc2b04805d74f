// Package cli holds the minikubelet subcommands that talk to a running agent:
// each is a function taking options and writing to an io.Writer, so that
// cmd/minikubelet stays a thin adapter (nerdctl's cmd -> pkg/cmd split).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/minikubelet/minikubelet/manifest"
	"github.com/minikubelet/minikubelet/server"
)

// DefaultSocket is the agent's unix socket, which serves the whole API.
const DefaultSocket = server.DefaultSocket

// socketBaseURL is the URL of requests sent over the socket (the host is a placeholder).
const socketBaseURL = "http://minikubelet"

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
	return fmt.Sprintf("%s: %s: %s", e.url, e.status, e.body)
}

// Is makes errors.Is(err, ErrNotFound) hold for a 404.
func (e *statusError) Is(target error) bool {
	return target == ErrNotFound && e.code == http.StatusNotFound
}

const (
	defaultTimeout = 30 * time.Second
	maxBodyBytes   = 64 << 20
)

// Client talks to the agent's HTTP API (package server): on its unix socket by default, or on a
// TCP base URL (where only the read-only endpoints answer).
type Client struct {
	Socket  string       // default DefaultSocket; ignored when BaseURL is set
	BaseURL string       // e.g. http://127.0.0.1:10255
	HTTP    *http.Client // default: a client of Socket or BaseURL with a 30 s timeout
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
	resp, err := c.do(ctx, http.MethodGet, path, http.Header{"Accept": {"application/json"}}, defaultTimeout)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	target := resp.Request.URL.String()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: read body: %w", target, err)
	}
	if len(body) > maxBodyBytes {
		return fmt.Errorf("GET %s: response larger than %d bytes", target, maxBodyBytes)
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, v); err != nil {
		return fmt.Errorf("GET %s: decode response: %w", target, err)
	}
	return nil
}

// do sends a request and returns a response of status 200 or 101 (an upgrade), else an error
// carrying the start of the body. timeout 0 is for streams: the request lasts as long as ctx.
func (c *Client) do(ctx context.Context, method, path string, header http.Header, timeout time.Duration) (*http.Response, error) {
	base, hc := c.endpoint(timeout)
	target := base + path
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		where := base
		if c.BaseURL == "" {
			where = "unix socket " + c.socket()
		}
		switch {
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
			return nil, fmt.Errorf("cannot reach the minikubelet agent at %s (is the agent running?): %w", where, err)
		case errors.Is(err, syscall.EACCES):
			return nil, fmt.Errorf("cannot reach the minikubelet agent at %s (it is root's only): %w", where, err)
		}
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		msg := strings.TrimSpace(string(body))
		if len(msg) > 512 {
			msg = msg[:512] + "..."
		}
		return nil, &statusError{url: method + " " + target, status: resp.Status, code: resp.StatusCode, body: msg}
	}
	return resp, nil
}

// endpoint is the base URL and HTTP client of the agent's API.
func (c *Client) endpoint(timeout time.Duration) (string, *http.Client) {
	if c.BaseURL != "" {
		hc := c.HTTP
		if hc == nil {
			hc = &http.Client{Timeout: timeout}
		}
		return strings.TrimSuffix(c.BaseURL, "/"), hc
	}
	if c.HTTP != nil {
		return socketBaseURL, c.HTTP
	}
	socket := c.socket()
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return socketBaseURL, &http.Client{Transport: transport, Timeout: timeout}
}

func (c *Client) socket() string {
	if c.Socket == "" {
		return DefaultSocket
	}
	return c.Socket
}
