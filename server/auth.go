package server

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

// Limits on what a client may send. The API takes no request bodies but exec's, which is
// hijacked and streamed, so a body is capped small; headers carry at most a token.
const (
	maxHeaderBytes = 16 << 10
	maxRequestBody = 64 << 10
)

// CheckAddress refuses a TCP address other than loopback unless requests to it need a token:
// the read-only port tells who runs what, and kubelet's own is a known leak.
func CheckAddress(address string, hasToken bool) error {
	if hasToken || isLoopback(address) {
		return nil
	}
	return fmt.Errorf("address %q is not loopback: serving the API beyond this host needs --authentication-token-file", address)
}

func isLoopback(address string) bool {
	if address == "localhost" {
		return true
	}
	ip := net.ParseIP(address)
	return ip != nil && ip.IsLoopback()
}

// ReadTokenFile reads the bearer token clients of the TCP port must send. The file holds the token
// alone (surrounding white space is dropped) and, being a secret, must not be readable by group or
// others.
func ReadTokenFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("token file %s: mode %v lets group or others read it; want 0600", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("token file %s: empty", path)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", errors.New("token file " + path + ": the token holds white space; want one token")
	}
	return token, nil
}

// requireToken answers 401 to a request without "Authorization: Bearer <token>".
func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="minikubelet"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps what a handler can read of a request body.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}
