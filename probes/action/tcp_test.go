package action

import (
	"context"
	"net"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestTCPProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tgt, port := target(t, l.Addr().String())
	tests := []struct {
		name    string
		tgt     Target
		port    intstr.IntOrString
		want    Result
		message string
	}{
		{name: "listening", tgt: tgt, port: intstr.FromInt32(port), want: Success},
		{name: "listening, by port name", tgt: tgt, port: intstr.FromString("web"), want: Success},
		{name: "nothing listening", tgt: tgt, port: intstr.FromInt32(closedPort(t)), want: Failure, message: "connect: connection refused"},
		{name: "unknown port name", tgt: tgt, port: intstr.FromString("db"), want: Unknown, message: `port "db" not found`},
		{name: "no pod IP yet", port: intstr.FromInt32(port), want: Unknown, message: "no IP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: tc.port}}}
			got, msg := Probe(context.Background(), p, tc.tgt)
			if got != tc.want || !strings.Contains(msg, tc.message) {
				t.Errorf("Probe = %s %q, want %s containing %q", got, msg, tc.want, tc.message)
			}
		})
	}
}

func TestTCPProbeIPv6(t *testing.T) {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer l.Close()
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(int32(l.Addr().(*net.TCPAddr).Port))}}}
	if got, msg := Probe(context.Background(), p, Target{PodIP: "::1"}); got != Success {
		t.Errorf("Probe [::1] = %s %q", got, msg)
	}
}
