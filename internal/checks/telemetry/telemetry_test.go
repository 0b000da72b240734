package telemetry

import (
	"context"
	"encoding/json"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

func run(t *testing.T, vars map[string]string, timeout time.Duration) checks.Outcome {
	t.Helper()
	cfg := msgtest.Config(t, vars, Backend{}, awsenv.Backend{})
	p := &checks.Plan{}
	d := defaultDeps()
	d.lookupHost = func(_ context.Context, host string) ([]string, error) {
		if strings.HasSuffix(host, ".missing.test") {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []string{"127.0.0.1"}, nil
	}
	register(p, cfg, checks.Options{}, d)
	start := time.Now()
	o := msgtest.Run(t, p, timeout)[EndpointID]
	if el := time.Since(start); el > timeout+time.Second {
		t.Errorf("took %s, more than the %s deadline + 1s", el, timeout)
	}
	t.Logf("%s: %s\n%s", EndpointID, o.Result.Status, msgtest.Text(o.Result))
	return o
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestDisabled(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{}, "OBSERVABILITY_VENDOR is not set (telemetry is off)"},
		{map[string]string{VendorVar: "Disabled"}, "OBSERVABILITY_VENDOR is Disabled"},
		{map[string]string{VendorVar: "disabled"}, "OBSERVABILITY_VENDOR is Disabled"},
	} {
		o := run(t, tc.vars, time.Second)
		msgtest.Expect(t, EndpointID, o, checks.Skip, tc.want)
	}
}

// fakeAgent serves the Datadog agent's GET /info.
func fakeAgent(t *testing.T, status int, info any) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/info" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		_ = json.NewEncoder(w).Encode(info)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestDatadog(t *testing.T) {
	agentInfo := map[string]any{"version": "7.52.1", "endpoints": []string{"/v0.4/traces", "/v0.5/traces", "/info"}}
	good, hits := fakeAgent(t, http.StatusOK, agentInfo)
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(good.URL, "http://"))
	old, _ := fakeAgent(t, http.StatusNotFound, nil)
	noAPM, _ := fakeAgent(t, http.StatusOK, map[string]any{"version": "7.52.1", "endpoints": []string{"/info"}})
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"host and port", map[string]string{DDAgentHost: host, DDTraceAgentPort: port}, checks.Pass, []string{"Datadog agent 7.52.1 answers at " + good.URL, "8125/UDP"}},
		{"trace agent URL wins", map[string]string{DDAgentHost: "ignored.missing.test", DDTraceAgentURL: good.URL}, checks.Pass, []string{"7.52.1"}},
		{"agent without /info", map[string]string{DDTraceAgentURL: old.URL}, checks.Warn, []string{"no /info endpoint"}},
		{"agent without APM", map[string]string{DDTraceAgentURL: noAPM.URL}, checks.Warn, []string{"lists no traces endpoint"}},
		{"nothing listening", map[string]string{DDTraceAgentURL: "http://" + testsvc.ClosedAddr(t)}, checks.Warn, []string{"is unreachable", "connection refused"}},
		{"agent never answers", map[string]string{DDTraceAgentURL: "http://" + testsvc.SilentListener(t).Addr()}, checks.Warn, []string{"did not answer"}},
		{"no agent host", map[string]string{}, checks.Fail, []string{"DD_AGENT_HOST is not set"}},
		{"unix socket", map[string]string{DDTraceAgentURL: "unix:///var/run/datadog/apm.socket"}, checks.Warn, []string{"unix socket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars[VendorVar] = "Datadog"
			before := hits.Load()
			o := run(t, tc.vars, 2*time.Second)
			msgtest.Expect(t, EndpointID, o, tc.status, tc.wants...)
			if tc.status == checks.Pass && hits.Load() != before+1 {
				t.Errorf("passed without asking the agent's /info")
			}
		})
	}
}

func TestXRay(t *testing.T) {
	daemon := listen(t).Addr().String()
	_, port, _ := net.SplitHostPort(daemon)
	for _, tc := range []struct {
		name, addr string
		status     checks.Status
		wants      []string
	}{
		{"host:port", daemon, checks.Pass, []string{"TCP port " + daemon + " answers", "UDP", "cannot be confirmed"}},
		{"by name", "xray-daemon:" + port, checks.Pass, []string{"resolves to: 127.0.0.1"}},
		{"tcp and udp forms", "udp:127.0.0.1:2000 tcp:" + daemon, checks.Pass, []string{"UDP segment delivery to 127.0.0.1:2000 cannot be confirmed"}},
		{"closed", testsvc.ClosedAddr(t), checks.Warn, []string{"refused"}},
		{"unresolvable", "xray.missing.test:2000", checks.Warn, []string{"does not resolve"}},
		{"unparsable", "xray-daemon", checks.Fail, []string{"is not HOST:PORT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, map[string]string{VendorVar: "AWS", XRayDaemonAddress: tc.addr}, 2*time.Second)
			msgtest.Expect(t, EndpointID, o, tc.status, tc.wants...)
		})
	}
}

// collector is a real gRPC server on 127.0.0.1, with the OTLP trace
// service registered or not.
type traceService struct {
	collectortrace.UnimplementedTraceServiceServer
	calls atomic.Int32
}

func (s *traceService) Export(context.Context, *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	s.calls.Add(1)
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func collector(t *testing.T, withTraces bool) (string, *traceService) {
	l := listen(t)
	srv := grpc.NewServer()
	svc := &traceService{}
	if withTraces {
		collectortrace.RegisterTraceServiceServer(srv, svc)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String(), svc
}

func TestOpenTelemetry(t *testing.T) {
	good, svc := collector(t, true)
	bare, _ := collector(t, false)
	httpOnly := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(httpOnly.Close)
	for _, tc := range []struct {
		name     string
		endpoint string
		extra    map[string]string
		status   checks.Status
		wants    []string
	}{
		{"a collector with the gRPC traces receiver", "http://" + good, nil, checks.Pass, []string{"accepted an empty trace export"}},
		{"a trailing slash", "http://" + good + "/", nil, checks.Pass, nil},
		{"a protocol other than grpc", "http://" + good, map[string]string{OTLPProtocol: "http/protobuf"}, checks.Warn, []string{"accepted", "OTEL_EXPORTER_OTLP_PROTOCOL is \"http/protobuf\""}},
		{"gRPC without the trace service", "http://" + bare, nil, checks.Fail, []string{"has no OTLP trace service (Unimplemented)", "traces pipeline"}},
		{"an HTTP server, not gRPC", httpOnly.URL, nil, checks.Warn, []string{"cannot reach an OTLP/gRPC collector"}},
		{"nothing listening", "http://" + testsvc.ClosedAddr(t), nil, checks.Warn, []string{"cannot reach an OTLP/gRPC collector"}},
		{"a collector that never answers", "http://" + testsvc.SilentListener(t).Addr(), nil, checks.Warn, []string{"did not answer"}},
		{"no scheme", good, nil, checks.Fail, []string{"does not start with http://"}},
		{"the HTTP port", "http://127.0.0.1:4318", nil, checks.Warn, []string{"port 4318 is OTLP over HTTP"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{VendorVar: "OpenTelemetry", OTLPEndpoint: tc.endpoint}
			for k, v := range tc.extra {
				vars[k] = v
			}
			before := svc.calls.Load()
			o := run(t, vars, 2*time.Second)
			msgtest.Expect(t, EndpointID, o, tc.status, tc.wants...)
			if strings.Contains(o.Result.Message, "accepted") && svc.calls.Load() != before+1 {
				t.Errorf("reported an accepted export the collector never received")
			}
		})
	}
	o := run(t, map[string]string{VendorVar: "OpenTelemetry"}, time.Second)
	msgtest.Expect(t, EndpointID, o, checks.Fail, "OTEL_EXPORTER_OTLP_ENDPOINT is not set")
}
