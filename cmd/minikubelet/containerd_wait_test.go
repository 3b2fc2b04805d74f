package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestContainerdNamed(t *testing.T) {
	file := writeConfig(t, "apiVersion: minikubelet.io/v1alpha1\nkind: MinikubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/other.sock\n")
	for _, tc := range []struct {
		name string
		args []string
		want bool
	}{
		{name: "default address", args: nil, want: false},
		{name: "flag", args: []string{"--containerd-address", "/run/other.sock"}, want: true},
		{name: "flag naming the default", args: []string{"--containerd-address", defaultContainerdAddress}, want: true},
		{name: "config file", args: []string{"--config", file}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseRunFlags(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if f.ContainerdNamed != tc.want {
				t.Errorf("ContainerdNamed = %v, want %v", f.ContainerdNamed, tc.want)
			}
		})
	}
}

// While the named containerd does not answer, /healthz says so; once something answers on its
// socket, the wait ends and the waiting API is gone.
func TestWaitForContainerd(t *testing.T) {
	dir := t.TempDir()
	f := runFlags{ContainerdAddress: filepath.Join(dir, "containerd.sock"), Address: "127.0.0.1", Socket: filepath.Join(dir, "api.sock")}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- waitForContainerd(ctx, f, slog.New(slog.DiscardHandler)) }()

	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", f.Socket)
	}}}
	var seen string
	for !strings.Contains(seen, "500 containerd at "+f.ContainerdAddress+" does not answer yet") {
		select {
		case err := <-done:
			t.Fatalf("the wait ended with nothing on the socket: %v", err)
		case <-ctx.Done():
			t.Fatalf("no /healthz 500 while waiting; last: %s", seen)
		case <-time.After(50 * time.Millisecond): // poll interval
		}
		if resp, err := client.Get("http://minikubelet/healthz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			seen = resp.Status[:3] + " " + strings.TrimSpace(string(body))
		} else {
			seen = err.Error()
		}
	}

	l, err := net.Listen("unix", f.ContainerdAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waitForContainerd: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the wait did not end once containerd's socket answered")
	}
	if _, err := client.Get("http://minikubelet/healthz"); err == nil {
		t.Error("the waiting API still answers after the wait")
	}
}

func TestWaitForContainerdCancelled(t *testing.T) {
	dir := t.TempDir()
	f := runFlags{ContainerdAddress: filepath.Join(dir, "containerd.sock"), Address: "127.0.0.1", Socket: filepath.Join(dir, "api.sock")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitForContainerd(ctx, f, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), f.ContainerdAddress) {
		t.Errorf("a cancelled wait: %v, want an error naming the address", err)
	}
}
