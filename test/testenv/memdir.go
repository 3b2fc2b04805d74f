package testenv

import (
	"os"
	"testing"
)

// MemTempDir is a temporary directory removed when t ends, in memory (/dev/shm) when the host
// has one. Fuzz targets that write files on every input use it: on a disk shared with other tests
// the file system, and fsync above all, would bound them to a few executions a second.
func MemTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "minikubelet-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
