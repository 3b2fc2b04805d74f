package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// maxSocketPath is the size of sun_path on Linux, the terminating NUL included.
const maxSocketPath = 108

// listenSocket binds the unix socket of the full API, mode 0600 in a directory it creates 0700
// (an existing directory is left as it is). A socket file left by an agent that died is removed;
// one that still answers is another agent's, and an error. The listener removes the file when
// it closes.
func listenSocket(path string) (net.Listener, error) {
	if len(path) >= maxSocketPath {
		return nil, fmt.Errorf("server: socket path %s is longer than the %d bytes a unix socket allows", path, maxSocketPath-1)
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("server: create socket directory %s: %w", dir, err)
		}
	}
	if st, err := os.Lstat(path); err == nil {
		if st.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("server: %s exists and is not a socket", path)
		}
		if conn, err := net.DialTimeout("unix", path, time.Second); err == nil {
			conn.Close()
			return nil, fmt.Errorf("server: another agent serves on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("server: remove stale socket %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("server: listen on %s: %w", path, err)
	}
	// The file is made with the umask's mode (0755 at most: no one else may connect); narrow it.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("server: chmod socket %s: %w", path, err)
	}
	return ln, nil
}
