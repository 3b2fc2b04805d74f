// Package testenv reads how the integration tests are being run: on the host with the Go toolchain
// at hand (make test), or inside the throwaway test VM (make test-vm), where the helper programs
// the tests would compile come prebuilt and everything runs several times slower.
package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Environment variables the test VM's guest script sets.
const (
	// BinEnv names a directory of prebuilt helper programs (minikubelet, pause, grpchealth, ...).
	BinEnv = "MINIKUBELET_TEST_BIN"
	// TimeScaleEnv is how many times slower than native the tests run (10 under software
	// emulation); every wait for a state is stretched by it.
	TimeScaleEnv = "MINIKUBELET_TEST_TIME_SCALE"
)

// Prebuilt returns the path of the prebuilt helper program name, if the environment has one.
func Prebuilt(name string) (string, bool) {
	dir := os.Getenv(BinEnv)
	if dir == "" {
		return "", false
	}
	path := filepath.Join(dir, name)
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return "", false
	}
	return path, true
}

// Scaled stretches a wait bound by the environment's time scale. It bounds how long a test waits
// for a state it polls for; it never paces a test.
func Scaled(d time.Duration) time.Duration {
	s, err := strconv.ParseFloat(os.Getenv(TimeScaleEnv), 64)
	if err != nil || s <= 1 {
		return d
	}
	return time.Duration(float64(d) * s)
}

// FullEnv, set to 1, runs the reliability tests at the counts docs/reliability.md reports (make
// reliability); CI runs them at smaller counts so the suite stays quick.
const FullEnv = "MINIKUBELET_TEST_FULL"

// Full reports whether the reliability tests run at their full counts.
func Full() bool { return os.Getenv(FullEnv) == "1" }

// Count is how many times a reliability test repeats: full under make reliability, else ci.
func Count(ci, full int) int {
	if Full() {
		return full
	}
	return ci
}
