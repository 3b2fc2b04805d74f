package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestListenReportsAddressInUse(t *testing.T) {
	first := New(Config{Logger: testLogger(t)}, &fakeSource{})
	if err := first.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = first.Serve(ctx) // closes the listener
	})
	port := first.Addr().(*net.TCPAddr).Port

	second := New(Config{Port: port, Logger: testLogger(t)}, &fakeSource{})
	err := second.Listen()
	if err == nil {
		t.Fatal("second Listen on a used port succeeded")
	}
	if want := "127.0.0.1:" + strconv.Itoa(port); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

func TestListenRejectsBadPort(t *testing.T) {
	s := New(Config{Port: 70000, Logger: testLogger(t)}, &fakeSource{})
	if err := s.Listen(); err == nil {
		t.Fatal("Listen with port 70000 succeeded")
	}
	if s.Addr() != nil {
		t.Errorf("Addr = %v after a failed Listen, want nil", s.Addr())
	}
}

func TestServeUntilContextEnds(t *testing.T) {
	s := New(Config{Logger: testLogger(t)}, &fakeSource{})
	if s.Addr() != nil {
		t.Fatalf("Addr before Listen = %v, want nil", s.Addr())
	}
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	addr := s.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() || addr.Port == 0 {
		t.Fatalf("Addr = %v, want a loopback address with a picked port", addr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()

	// The listener is bound already, so the first request succeeds.
	resp, err := http.Get("http://" + addr.String() + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after ctx ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after ctx ended")
	}
	if _, err := http.Get("http://" + addr.String() + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}
