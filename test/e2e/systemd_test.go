package e2e

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

// notifySocket is a systemd notify socket the test owns: what systemd would receive.
type notifySocket struct {
	t    *testing.T
	path string
	conn *net.UnixConn
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &notifySocket{t: t, path: path, conn: conn}
}

// next waits for the next message (one datagram, maybe several KEY=VALUE lines).
func (s *notifySocket) next(within time.Duration) (string, bool) {
	buf := make([]byte, 4096)
	_ = s.conn.SetReadDeadline(time.Now().Add(within))
	n, _, err := s.conn.ReadFromUnix(buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}

// waitFor reads messages until one holds state, and returns the ones before it.
func (s *notifySocket) waitFor(state string) []string {
	s.t.Helper()
	var before []string
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		msg, ok := s.next(time.Until(deadline))
		if !ok {
			break
		}
		if strings.Contains(msg, state) {
			return before
		}
		before = append(before, msg)
	}
	s.t.Fatalf("no %s on the notify socket; got %q", state, before)
	return nil
}

// The agent speaks systemd's notify protocol: READY=1 only once a pod that was running before the
// agent started is adopted and shown, WATCHDOG=1 while healthy, STOPPING=1 on the way out. It
// logs JSON lines when asked.
func TestSystemdNotify(t *testing.T) {
	sock := newNotifySocket(t)
	a := startAgent(t, withEnv("NOTIFY_SOCKET="+sock.path, "WATCHDOG_USEC=4000000"), withFlags("--log-format", "json"))
	sock.waitFor("READY=1")
	a.writeManifest("kept.yaml", sleeperPod("kept"))
	before := a.waitRunning("default", "kept")
	sock.waitFor("WATCHDOG=1")

	a.stop()
	sock.waitFor("STOPPING=1")

	// The pod kept running while the agent was down; the new agent's READY comes only once /pods
	// shows it adopted: same container, not restarted. (launch, unlike start, does not wait for
	// /healthz, so /pods is read right after READY.)
	a.launch()
	sock.waitFor("READY=1")
	p := a.pod("default", "kept")
	if p == nil {
		t.Fatal("READY=1 before the running pod was adopted: /pods does not show it")
	}
	cs := p.Status.ContainerStatuses
	if len(cs) != 1 || cs[0].State.Running == nil || cs[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID || cs[0].RestartCount != 0 {
		t.Errorf("after READY=1 the pod shows %s, want its running container adopted", describe(p))
	}
	if p.Status.Phase != v1.PodRunning {
		t.Errorf("phase %s after READY=1, want Running", p.Status.Phase)
	}

	logged, err := os.ReadFile(a.logPath)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(logged)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("--log-format json, but log line %d is not a JSON record: %q", i+1, line)
		}
	}
}
