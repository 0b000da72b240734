package perf

import (
	"context"
	"net"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
)

// traceSink accepts OTLP trace exports and drops them: the harness has no
// collector, and telemetry.endpoint only needs a real gRPC receiver to
// export to.
type traceSink struct {
	collectortrace.UnimplementedTraceServiceServer
}

func (traceSink) Export(context.Context, *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// setupCollector serves OTLP/gRPC on a loopback port until ctx ends.
func setupCollector(ctx context.Context, _ Env, _ *Resources) (map[string]string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, traceSink{})
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		srv.Stop()
	}()
	return map[string]string{"BENCH_OTLP_ADDR": l.Addr().String()}, nil
}
