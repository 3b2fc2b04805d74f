// Package pass is the test VM harness's test that must pass: it proves it runs as root, inside the
// VM, on a disk that starts clean each boot.
package pass

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

// marker is written to the VM's disk; a second boot must not find it.
const marker = "/var/lib/mkl-vm-harness-marker"

func TestPassesInTheVM(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatalf("runs as uid %d, want root", os.Geteuid())
	}
	host, err := os.Hostname()
	if err != nil || host != "minikubelet-vm" {
		t.Fatalf("hostname %q (%v), want minikubelet-vm: not inside the test VM", host, err)
	}
	if _, err := os.Stat(marker); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s is there (%v): a previous run's writes survived, the disk is not throwaway", marker, err)
	}
	if err := os.WriteFile(marker, []byte("written by a test VM run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("MKL-VM-PASS-MARKER")
}
