package action

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// maxBody is how much of a probe's response body is read, as kubelet.
const maxBody = 10 << 10

// maxRedirects is how many redirects a probe follows.
const maxRedirects = 10

// errOtherHost ends a redirect chain that leaves the probed host.
var errOtherHost = errors.New("redirect to another host")

func httpRequest(ctx context.Context, g *v1.HTTPGetAction, t Target) (*http.Request, error) {
	port, err := resolvePort(g.Port, t.Container)
	if err != nil {
		return nil, err
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	path := g.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u, err := url.Parse(fmt.Sprintf("%s://%s%s", scheme, hostPort(g.Host, t.PodIP, port), path))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "kube-probe/1.34")
	req.Header.Set("Accept", "*/*")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Name, h.Value)
	}
	return req, nil
}

// httpClient makes a client for one probe or hook: no keep-alive (hundreds of probes must not pile
// up idle connections), no proxy, and no certificate check for HTTPS, as kubelet.
func httpClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DisableKeepAlives:   true,
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // kubelet's probes do not verify
			DialContext:         (&net.Dialer{}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errors.New("stopped after 10 redirects")
			}
			if req.URL.Hostname() != via[0].URL.Hostname() {
				return errOtherHost
			}
			return nil
		},
	}
}

// httpProbe: 200-399 is success; a redirect to another host is a success with a warning.
func httpProbe(ctx context.Context, g *v1.HTTPGetAction, t Target) (Result, string) {
	req, err := httpRequest(ctx, g, t)
	if err != nil {
		return Unknown, err.Error()
	}
	resp, err := httpClient().Do(req)
	if errors.Is(err, errOtherHost) {
		return Success, "Probe terminated redirects"
	}
	if err != nil {
		return Failure, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // read no more than 10 KiB
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return Success, ""
	}
	return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
}

// httpHook: a request that fails, or answers outside 200-399, fails the hook. The body is read
// and dropped, never reported.
func httpHook(ctx context.Context, g *v1.HTTPGetAction, t Target) error {
	req, err := httpRequest(ctx, g, t)
	if err != nil {
		return fmt.Errorf("HTTP hook: %w", err)
	}
	resp, err := httpClient().Do(req)
	if errors.Is(err, errOtherHost) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("HTTP hook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP hook failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}
