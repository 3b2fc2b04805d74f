package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		address string
		token   bool
		ok      bool
	}{
		{"127.0.0.1", false, true},
		{"127.0.0.2", false, true},
		{"::1", false, true},
		{"localhost", false, true},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"192.0.2.1", false, false},
		{"example.com", false, false},
		{"0.0.0.0", true, true},
	} {
		err := CheckAddress(tc.address, tc.token)
		if (err == nil) != tc.ok {
			t.Errorf("CheckAddress(%q, token=%v) = %v, want ok=%v", tc.address, tc.token, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--authentication-token-file") {
			t.Errorf("CheckAddress(%q): %v does not name the way out", tc.address, err)
		}
	}
}

func TestListenRefusesNonLoopbackWithoutToken(t *testing.T) {
	s := New(Config{Address: "0.0.0.0", Logger: testLogger(t)}, &fakeSource{})
	if err := s.Listen(); err == nil || !strings.Contains(err.Error(), "not loopback") {
		t.Fatalf("Listen on 0.0.0.0 without a token = %v, want a refusal", err)
	}
	if s.Addr() != nil {
		t.Errorf("bound %v after refusing", s.Addr())
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if tok, err := ReadTokenFile(write("ok", "s3cret\n", 0o600)); err != nil || tok != "s3cret" {
		t.Errorf("ReadTokenFile = %q, %v; want s3cret", tok, err)
	}
	for name, tc := range map[string]struct {
		content string
		mode    os.FileMode
		want    string
	}{
		"readable by others": {"s3cret", 0o644, "lets group or others read it"},
		"empty":              {" \n", 0o600, "empty"},
		"two words":          {"a b", 0o600, "white space"},
	} {
		if _, err := ReadTokenFile(write(strings.ReplaceAll(name, " ", "-"), tc.content, tc.mode)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ReadTokenFile = %v, want %q", name, err, tc.want)
		}
	}
	if _, err := ReadTokenFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

// With a token, every request to the TCP port needs it, and the socket's endpoints (logs, exec,
// pprof) stay off the port even for a client that has it.
func TestTokenGuardsTCPPort(t *testing.T) {
	s := New(Config{Token: "s3cret", Logger: testLogger(t), Profiling: true}, &fakeSource{})
	get := func(h http.Handler, method, path, auth string) int {
		req := httptest.NewRequest(method, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, path := range []string{"/pods", "/healthz"} {
		for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret2", "s3cret", "Basic czNjcmV0"} {
			if code := get(s.ReadOnlyHandler(), http.MethodGet, path, auth); code != http.StatusUnauthorized {
				t.Errorf("GET %s with %q = %d, want 401", path, auth, code)
			}
		}
		if code := get(s.ReadOnlyHandler(), http.MethodGet, path, "Bearer s3cret"); code != http.StatusOK {
			t.Errorf("GET %s with the token = %d, want 200", path, code)
		}
		if code := get(s.Handler(), http.MethodGet, path, ""); code != http.StatusOK {
			t.Errorf("socket GET %s without a token = %d, want 200 (the socket is root's)", path, code)
		}
	}
	for _, path := range []string{"/errors", "/containerLogs/default/web/c", "/debug/pprof/"} {
		if code := get(s.ReadOnlyHandler(), http.MethodGet, path, "Bearer s3cret"); code != http.StatusNotFound {
			t.Errorf("TCP GET %s with the token = %d, want 404", path, code)
		}
	}
	if code := get(s.ReadOnlyHandler(), http.MethodPost, "/exec/default/web/c", "Bearer s3cret"); code != http.StatusNotFound {
		t.Errorf("TCP POST /exec with the token = %d, want 404", code)
	}
}

// Oversized headers are refused by the server before any handler runs.
func TestRequestHeaderLimit(t *testing.T) {
	s := serving(t)
	url := "http://" + s.Addr().(*net.TCPAddr).String() + "/healthz"
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-Big", strings.Repeat("a", maxHeaderBytes+8<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with a %d-byte header = %d, want 431", maxHeaderBytes+8<<10, resp.StatusCode)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	var read int64
	h := limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			read += int64(n)
			if err != nil {
				return
			}
		}
	}))
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(strings.Repeat("a", 4*maxRequestBody)))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if read > maxRequestBody {
		t.Errorf("handler read %d bytes of the body, limit %d", read, maxRequestBody)
	}
}

// A client that never finishes its headers is cut off (ReadHeaderTimeout) rather than holding a
// connection for as long as it likes.
func TestSlowHeadersAreCutOff(t *testing.T) {
	s := serving(t)
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /pods HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// Bound the test, far above the server's limit.
	if err := conn.SetReadDeadline(time.Now().Add(6 * readHeaderTimeout)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept a connection with unfinished headers open for %v", 6*readHeaderTimeout)
	}
}

// serving is a Server listening on a free loopback port, serving until the test ends.
func serving(t *testing.T) *Server {
	t.Helper()
	s := New(Config{Logger: testLogger(t)}, &fakeSource{})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}
