package e2e

import (
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
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

func mklNetnsExcept(t *testing.T, base []string) []string {
	return slices.DeleteFunc(mklNetns(t), func(n string) bool { return slices.Contains(base, n) })
}

// shimCount is how many containerd shims serve the agent's namespace.
func (a *agent) shimCount() int {
	out, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output()
	return len(strings.Fields(string(out)))
}
