package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func parseIP(t *testing.T, s string) net.IP {
	t.Helper()
	ip := net.ParseIP(s)
	if ip == nil {
		t.Fatalf("bad IP %q", s)
	}
	return ip
}

func hostname(t *testing.T) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// leftNetns returns the mkl-* network namespaces that appeared since the agent started and are
// its own: their sandbox ID is in its log (it logs each sandbox's ID before making the netns).
// Another agent on the host, such as a test running beside this one, has its own.
func (a *agent) leftNetns() []string {
	log, err := os.ReadFile(a.logPath)
	if err != nil {
		a.t.Fatal(err)
	}
	return slices.DeleteFunc(mklNetns(a.t), func(n string) bool {
		return slices.Contains(a.netnsBase, n) || !bytes.Contains(log, []byte(strings.TrimPrefix(n, "mkl-")))
	})
}

// shimCount is how many containerd shims serve the agent's namespace.
func (a *agent) shimCount() int {
	out, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output()
	return len(strings.Fields(string(out)))
}

// killContainer SIGKILLs a container's process from outside, as an OOM killer or a stray kill -9.
func (a *agent) killContainer(containerID string) {
	a.t.Helper()
	a.ctr("tasks", "kill", "--signal", "SIGKILL", strings.TrimPrefix(containerID, "containerd://"))
}

// killContainerAt does the same through the containerd at address.
func (a *agent) killContainerAt(address, containerID string) {
	a.t.Helper()
	a.ctr("--address", address, "tasks", "kill", "--signal", "SIGKILL", strings.TrimPrefix(containerID, "containerd://"))
}

// events is GET /pods/NS/NAME/events, decoded.
func (a *agent) events(namespace, name string) []v1.Event {
	a.t.Helper()
	body, code, err := a.get("/pods/" + namespace + "/" + name + "/events")
	if err != nil || code != 200 {
		a.t.Fatalf("GET events: %d %v %s", code, err, body)
	}
	var list v1.EventList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		a.t.Fatal(err)
	}
	return list.Items
}

func findEvent(events []v1.Event, reason string) *v1.Event {
	for i := range events {
		if events[i].Reason == reason {
			return &events[i]
		}
	}
	return nil
}

func findEventMessage(events []v1.Event, reason, message string) *v1.Event {
	for i := range events {
		if events[i].Reason == reason && events[i].Message == message {
			return &events[i]
		}
	}
	return nil
}
