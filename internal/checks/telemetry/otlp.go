package telemetry

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// otlp makes a real OTLP/gRPC trace export with an empty request: a
// collector with the gRPC traces receiver answers OK, anything else says
// what is listening there.
func otlp(ctx context.Context, cfg *config.Config) checks.Result {
	raw := strings.TrimSpace(cfg.Get(OTLPEndpoint))
	if raw == "" {
		return checks.Failf("Set OTEL_EXPORTER_OTLP_ENDPOINT=http://COLLECTOR:4317 (the collector's OTLP gRPC receiver), or set OBSERVABILITY_VENDOR=Disabled.",
			"OBSERVABILITY_VENDOR=OpenTelemetry, but OTEL_EXPORTER_OTLP_ENDPOINT is not set")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return checks.Failf("Write OTEL_EXPORTER_OTLP_ENDPOINT as http://HOST:4317: Spacelift's docs require the http:// scheme even though the protocol is gRPC.",
			"OTEL_EXPORTER_OTLP_ENDPOINT %s does not start with http://", secret.ShowURL(raw))
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = otlpPort
	}
	target := net.JoinHostPort(host, port)
	var warnings, advice []string
	details := []checks.Detail{checks.KV("endpoint", secret.DisplayURL(raw)), checks.KV("grpc target", target)}
	creds := insecure.NewCredentials()
	if u.Scheme == "https" {
		roots, desc := rootcas.Roots(cfg)
		creds = credentials.NewTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: roots})
		details = append(details, checks.KV("trusted roots", desc))
		warnings = append(warnings, "it uses https://, but the docs require http://")
		advice = append(advice, "Use http://HOST:4317 unless your collector terminates TLS and you have confirmed Spacelift supports it.")
	}
	if port == "4318" {
		warnings = append(warnings, "port 4318 is OTLP over HTTP, but Spacelift exports over gRPC")
		advice = append(advice, "Point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's gRPC receiver, usually port 4317.")
	}
	if p := cfg.Get(OTLPProtocol); p != "" && p != "grpc" {
		warnings = append(warnings, fmt.Sprintf("OTEL_EXPORTER_OTLP_PROTOCOL is %q, but Spacelift exports over gRPC", p))
		advice = append(advice, "Unset OTEL_EXPORTER_OTLP_PROTOCOL or set it to grpc.")
	}

	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	conn, err := grpc.NewClient("passthrough:///"+target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return checks.Failf("Fix OTEL_EXPORTER_OTLP_ENDPOINT.", "cannot set up a gRPC client for %s: %v", target, err).With(details...)
	}
	defer conn.Close()
	resp, err := collectortrace.NewTraceServiceClient(conn).Export(inner, &collectortrace.ExportTraceServiceRequest{})
	res := exportVerdict(target, resp, err, inner.Err() != nil)
	res.Details = append(details, res.Details...)
	if len(warnings) > 0 && res.Status == checks.Pass {
		res.Status = checks.Warn
		res.Message += "; however, " + strings.Join(warnings, "; ")
	} else if len(warnings) > 0 {
		res.Details = append(res.Details, checks.KV("also", strings.Join(warnings, "; ")))
	}
	if len(advice) > 0 {
		res.Advice = strings.TrimSpace(res.Advice + "\n" + strings.Join(advice, "\n"))
	}
	return res
}

func exportVerdict(target string, resp *collectortrace.ExportTraceServiceResponse, err error, hung bool) checks.Result {
	if err == nil {
		res := checks.Passf("the OTLP/gRPC collector at %s accepted an empty trace export", target)
		if ps := resp.GetPartialSuccess(); ps != nil && (ps.GetRejectedSpans() > 0 || ps.GetErrorMessage() != "") {
			res = res.With(checks.KV("partial success", fmt.Sprintf("%d rejected: %s", ps.GetRejectedSpans(), ps.GetErrorMessage())))
		}
		return res
	}
	st := status.Convert(err)
	detail := checks.KV("grpc status", st.Code().String()+": "+st.Message())
	switch {
	case st.Code() == codes.Unimplemented:
		return checks.Failf("Enable the OTLP receiver with the grpc protocol in the collector (receivers: otlp: protocols: grpc: endpoint: 0.0.0.0:4317) and add it to a traces pipeline.",
			"%s speaks gRPC but has no OTLP trace service (Unimplemented): Spacelift's traces would be rejected", target).With(detail)
	case hung || st.Code() == codes.DeadlineExceeded:
		return checks.Warnf("Check that the collector runs and that "+target+" is reachable from where Spacelift runs; an in-cluster collector may be unreachable from this machine, so run the check from a Spacelift pod to be sure.",
			"the OTLP/gRPC collector at %s did not answer", target).With(detail)
	case st.Code() == codes.Unavailable:
		return checks.Warnf("Check that the collector runs and that "+target+" is its OTLP gRPC port (not the HTTP port 4318, not TLS when the URL says http://), reachable from where Spacelift runs.",
			"cannot reach an OTLP/gRPC collector at %s: %s", target, st.Message()).With(detail)
	}
	return checks.Warnf("Read the collector's answer above: Spacelift exports without extra headers unless OTEL_EXPORTER_OTLP_HEADERS is set.",
		"the OTLP/gRPC collector at %s refused an empty trace export: %s", target, st.Code()).With(detail)
}
