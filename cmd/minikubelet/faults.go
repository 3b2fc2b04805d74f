package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/minikubelet/minikubelet/faults"
)

// runtimeFaults reads the runtime fault seam's settings from MINIKUBELET_FAULT_RUNTIME, once, at
// start. Only tests set it: the seam fails and delays calls into containerd and the sandboxes.
func runtimeFaults(log *slog.Logger) (faults.RuntimeFaults, error) {
	f, err := faults.ParseRuntimeFaults(os.Getenv(faults.RuntimeEnv))
	if err != nil {
		return f, fmt.Errorf("%s: %w", faults.RuntimeEnv, err)
	}
	if f.On() {
		log.Warn("runtime fault seam on: some calls into containerd and the sandboxes fail or wait on purpose", "faults", f.String())
	}
	return f, nil
}
