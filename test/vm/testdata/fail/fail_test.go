// Package fail is the test VM harness's test that must fail, so the harness is seen to carry a
// failing status out of the VM.
package fail

import "testing"

func TestFailsInTheVM(t *testing.T) {
	t.Fatal("MKL-VM-FAIL-MARKER: this test fails on purpose")
}
