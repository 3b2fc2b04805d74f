package action

import (
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
)

// grpcServer serves srv on a loopback port until the test ends and returns the port.
func grpcServer(t *testing.T, srv *grpc.Server) int32 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return int32(l.Addr().(*net.TCPAddr).Port)
}

func TestGRPCProbe(t *testing.T) {
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("sick", healthpb.HealthCheckResponse_NOT_SERVING)
	withHealth := grpc.NewServer()
	healthpb.RegisterHealthServer(withHealth, hs)
	healthy := grpcServer(t, withHealth)
	bare := grpcServer(t, grpc.NewServer())

	sick, unknown := "sick", "unknown"
	tests := []struct {
		name    string
		service *string
		port    int32
		want    Result
		message string
	}{
		{name: "serving", port: healthy, want: Success},
		{name: "not serving", service: &sick, port: healthy, want: Failure, message: `service unhealthy (responded with "NOT_SERVING")`},
		{name: "unknown service", service: &unknown, port: healthy, want: Failure, message: "error: health rpc probe failed: rpc error: code = NotFound"},
		{name: "no health service", port: bare, want: Failure, message: "this server does not implement the grpc health protocol"},
		{name: "nothing listening", port: closedPort(t), want: Failure, message: "timeout: failed to connect service"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{GRPC: &v1.GRPCAction{Port: tc.port, Service: tc.service}}, TimeoutSeconds: 1}
			got, msg := Probe(context.Background(), p, Target{PodIP: "127.0.0.1"})
			if got != tc.want || !strings.Contains(msg, tc.message) {
				t.Errorf("Probe = %s %q, want %s containing %q", got, msg, tc.want, tc.message)
			}
		})
	}
}
