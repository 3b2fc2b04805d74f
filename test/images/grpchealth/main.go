// Command grpchealth is the tests' gRPC health server: it serves grpc.health.v1.Health on -port and
// answers SERVING while the -file exists (looked at on every call), NOT_SERVING otherwise; the
// service "" and "minikubelet.test" are known, any other is NOT_FOUND. SIGTERM or SIGINT stops it
// with status 0. Built static (CGO_ENABLED=0) into a test image: see images.GRPCHealth.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

type server struct {
	healthpb.UnimplementedHealthServer
	file string
}

func (s *server) Check(_ context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if req.GetService() != "" && req.GetService() != "minikubelet.test" {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", req.GetService())
	}
	st := healthpb.HealthCheckResponse_SERVING
	if _, err := os.Stat(s.file); err != nil {
		st = healthpb.HealthCheckResponse_NOT_SERVING
	}
	return &healthpb.HealthCheckResponse{Status: st}, nil
}

func main() {
	port := flag.Int("port", 9000, "port to serve on")
	file := flag.String("file", "/tmp/healthy", "SERVING while this file exists")
	flag.Parse()
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, &server{file: *file})
	fmt.Fprintf(os.Stderr, "grpchealth: serving grpc.health.v1 on %s, SERVING while %s exists\n", l.Addr(), *file)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Stop()
	}()
	if err := srv.Serve(l); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
