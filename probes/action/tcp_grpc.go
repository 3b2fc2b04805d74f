package action

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// tcpProbe: a connect within the timeout is success.
func tcpProbe(ctx context.Context, s *v1.TCPSocketAction, t Target) (Result, string) {
	port, err := resolvePort(s.Port, t.Container)
	if err != nil {
		return Unknown, err.Error()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostPort(s.Host, t.PodIP, port))
	if err != nil {
		return Failure, err.Error()
	}
	conn.Close()
	return Success, ""
}

// grpcProbe calls grpc.health.v1.Health/Check: SERVING is success.
func grpcProbe(ctx context.Context, g *v1.GRPCAction, t Target) (Result, string) {
	port, err := resolvePort(intstr.FromInt32(g.Port), t.Container)
	if err != nil {
		return Unknown, err.Error()
	}
	addr := hostPort("", t.PodIP, port)
	conn, err := grpc.DialContext(ctx, addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithBlock())
	if err != nil {
		return Failure, fmt.Sprintf("timeout: failed to connect service %q within the probe's timeout: %v", addr, err)
	}
	defer conn.Close()
	service := ""
	if g.Service != nil {
		service = *g.Service
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return Failure, fmt.Sprintf("health rpc to %q failed: %v", addr, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return Failure, fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String())
	}
	return Success, ""
}
