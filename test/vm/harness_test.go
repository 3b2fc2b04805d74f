// Package vm tests the throwaway test VM harness (scripts/vm, make test-vm): a test binary that
// passes and one that fails are run inside the VM, and their output and exit status must come out.
package vm

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// runVM runs scripts/vm/run.sh test with the packages and returns its output and exit code.
func runVM(t *testing.T, pkgs ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("scripts/vm/run.sh", append([]string{"test"}, pkgs...)...)
	cmd.Dir = "../.."
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("run.sh: %v\n%s", err, out.String())
		return "", -1
	}
}

func TestHarnessCarriesStatusOut(t *testing.T) {
	if os.Getenv("MINIKUBELET_E2E") != "1" {
		t.Skip("boots a VM as root: set MINIKUBELET_E2E=1 (make test)")
	}
	if _, inside := testenv.Prebuilt("minikubelet"); inside {
		t.Skip("already inside the test VM")
	}
	for _, tool := range []string{"qemu-system-x86_64", "debootstrap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required under MINIKUBELET_E2E=1 (make setup-vm): %v", tool, err)
		}
	}

	// The pass test also leaves a file on the VM's disk and fails if it finds one: run twice, it
	// proves the second boot started from the clean image.
	for run := 1; run <= 2; run++ {
		out, code := runVM(t, "./test/vm/testdata/pass")
		if code != 0 || !strings.Contains(out, "--- PASS: TestPassesInTheVM") || !strings.Contains(out, "MKL-VM-PASS-MARKER") {
			t.Fatalf("run %d of the passing test: exit %d, want 0 with its PASS line:\n%s", run, code, out)
		}
	}

	out, code := runVM(t, "./test/vm/testdata/fail", "./test/vm/testdata/pass")
	if code != 1 {
		t.Errorf("a failing test in the VM: exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"MKL-VM-FAIL-MARKER", "--- FAIL: TestFailsInTheVM", "--- PASS: TestPassesInTheVM"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
