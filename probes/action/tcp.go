package action

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// probeDialer makes the connections of probes and hooks. SO_LINGER of 1 s keeps a closed
// connection out of TIME-WAIT for the usual 60 s, so that many frequent probes do not run the node
// out of ports (kubelet's probe.ProbeDialer, k8s#89898); 1 s rather than 0 so that a close still
// sends FIN, not RST.
func probeDialer() *net.Dialer {
	return &net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 1})
			}); err != nil {
				return err
			}
			return serr
		},
	}
}

// tcpProbe: a connection opened within the timeout is success; the dial error is the message.
func tcpProbe(ctx context.Context, s *v1.TCPSocketAction, t Target, timeout time.Duration) (Result, string) {
	host := s.Host
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		return Unknown, "the pod has no IP yet"
	}
	port, err := resolvePort(s.Port, t.Container)
	if err != nil {
		return Unknown, err.Error()
	}
	d := probeDialer()
	d.Timeout = timeout
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return Failure, err.Error()
	}
	_ = conn.Close()
	return Success, ""
}
