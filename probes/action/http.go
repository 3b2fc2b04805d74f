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
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// maxBody is how much of a response body is read (kubelet's 10 KiB).
	maxBody = 10 << 10
	// maxRedirects is how many same-host redirects are followed.
	maxRedirects = 10
	// userAgentVersion is the Kubernetes minor version the User-Agent claims.
	userAgentVersion = "1.34"
)

// transport carries every probe and hook request. Shared and safe for concurrent use; it keeps
// no connection alive (hundreds of probes must not pile up idle connections), never uses the
// node's proxy, does not verify certificates (as kubelet: the pod's certificate cannot be known)
// and asks for no compression. It is never modified after creation.
var transport = &http.Transport{
	Proxy:               nil,
	DialContext:         probeDialer().DialContext,
	TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // kubelet's probes do not verify
	TLSHandshakeTimeout: 10 * time.Second,
	DisableKeepAlives:   true,
	DisableCompression:  true,
	ForceAttemptHTTP2:   true,
}

// checkRedirect follows redirects on the same host, at most 10; a redirect to another host ends
// the request with the redirect response itself (kubelet's followNonLocalRedirects=false).
func checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// newRequest builds the GET of an httpGet action as kubelet does: host from the action or the pod
// IP, the port by number or by the container's port name, the path as given (it may hold a
// query); the action's headers, then User-Agent "kube-<purpose>/1.34" and Accept "*/*" unless they
// were given (an empty Accept removes it); a Host header sets the request's host.
func newRequest(ctx context.Context, g *v1.HTTPGetAction, t Target, purpose string) (*http.Request, error) {
	host := g.Host
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		return nil, errors.New("the pod has no IP yet")
	}
	port, err := resolvePort(g.Port, t.Container)
	if err != nil {
		return nil, err
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	u, err := url.Parse(g.Path)
	if err != nil {
		u = &url.URL{Path: g.Path} // as kubelet: pass a busted path along as it is
	}
	u.Scheme = scheme
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	header := make(http.Header, len(g.HTTPHeaders)+2)
	for _, h := range g.HTTPHeaders {
		header.Add(h.Name, h.Value)
	}
	if _, ok := header["User-Agent"]; !ok {
		header.Set("User-Agent", "kube-"+purpose+"/"+userAgentVersion)
	}
	if _, ok := header["Accept"]; !ok {
		header.Set("Accept", "*/*")
	} else if header.Get("Accept") == "" {
		header.Del("Accept")
	}
	req.Header = header
	req.Host = header.Get("Host")
	return req, nil
}

// httpProbe: 200-299 is success; 300-399 (a redirect to another host, which is not followed) is
// a success with kubelet's warning; anything else fails with the status code only, never the body.
func httpProbe(ctx context.Context, g *v1.HTTPGetAction, t Target, timeout time.Duration) (Result, string) {
	req, err := newRequest(ctx, g, t, "probe")
	if err != nil {
		return Unknown, err.Error()
	}
	client := &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: checkRedirect}
	resp, err := client.Do(req)
	if err != nil {
		return Failure, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Unknown, fmt.Sprintf("read the response of %s: %v", req.URL, err) // kubelet: the probe errored
	}
	switch {
	case resp.StatusCode >= http.StatusOK && resp.StatusCode < http.StatusMultipleChoices:
		return Success, ""
	case resp.StatusCode >= http.StatusMultipleChoices && resp.StatusCode < http.StatusBadRequest:
		return Success, "Probe terminated redirects, Response body: " + string(body)
	default:
		return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
}

// httpHook sends the request until it is answered or ctx ends. As in kubelet, only a request that
// fails fails the hook: the status code is not looked at (k8s#56963), and an HTTPS hook answered
// in plain HTTP is retried over HTTP without its Authorization header. The body is dropped.
func httpHook(ctx context.Context, g *v1.HTTPGetAction, t Target) error {
	req, err := newRequest(ctx, g, t, "lifecycle")
	if err != nil {
		return fmt.Errorf("HTTP hook: %w", err)
	}
	client := &http.Client{Transport: transport, CheckRedirect: checkRedirect}
	resp, err := client.Do(req)
	discard(resp)
	if isHTTPResponseToHTTPS(err) {
		plain := req.Clone(ctx)
		plain.URL.Scheme = "http"
		plain.Header.Del("Authorization")
		resp, perr := client.Do(plain)
		discard(resp)
		if perr == nil {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("HTTP hook: %w", err)
	}
	return nil
}

// discard reads a little of the body, so that the server is not cut off mid-answer, and closes it.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
}

func isHTTPResponseToHTTPS(err error) bool {
	var uerr *url.Error
	return errors.As(err, &uerr) && strings.Contains(uerr.Err.Error(), "server gave HTTP response to HTTPS client")
}

// resolvePort turns a port number, or the name of one of the container's ports, into a number
// (kubelet's probe.ResolveContainerPort).
func resolvePort(port intstr.IntOrString, c *v1.Container) (int, error) {
	n := 0
	switch port.Type {
	case intstr.Int:
		n = int(port.IntVal)
	case intstr.String:
		found := false
		if c != nil {
			for _, p := range c.Ports {
				if p.Name == port.StrVal {
					n, found = int(p.ContainerPort), true
					break
				}
			}
		}
		if !found {
			var err error
			if n, err = strconv.Atoi(port.StrVal); err != nil {
				return 0, fmt.Errorf("port %q not found in the container's ports", port.StrVal)
			}
		}
	default:
		return 0, fmt.Errorf("port %+v is neither a number nor a name", port)
	}
	if n <= 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port number: %d", n)
	}
	return n, nil
}
