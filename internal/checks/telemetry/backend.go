package telemetry

import (
	"net"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Variable names.
const (
	VendorVar         = "OBSERVABILITY_VENDOR"
	DDAgentHost       = "DD_AGENT_HOST"
	DDTraceAgentPort  = "DD_TRACE_AGENT_PORT"
	DDTraceAgentURL   = "DD_TRACE_AGENT_URL"
	XRayDaemonAddress = "AWS_XRAY_DAEMON_ADDRESS"
	OTLPEndpoint      = "OTEL_EXPORTER_OTLP_ENDPOINT"
	OTLPProtocol      = "OTEL_EXPORTER_OTLP_PROTOCOL"
)

// Default ports of the tracing backends.
const (
	datadogPort = "8126"
	otlpPort    = "4317"
)

// vendors are OBSERVABILITY_VENDOR's values in their canonical case.
var vendors = []string{"Datadog", "AWS", "OpenTelemetry", "Disabled"}

// Vendor is the effective OBSERVABILITY_VENDOR in its canonical case.
func Vendor(cfg *config.Config) string {
	v, _ := cfg.TypeOf(VendorVar)
	for _, e := range vendors {
		if strings.EqualFold(e, v) {
			return e
		}
	}
	return v
}

// Backend is telemetry: where Spacelift sends traces.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Telemetry"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(VendorVar, "observability.vendor", "Telemetry vendor (unset means Disabled).").OneOf("Disabled", vendors...).AnyCase(),
		config.Spacelift(DDAgentHost, "observability.datadog.agentHost", "Datadog agent host."),
		config.SDK(DDTraceAgentPort, "observability.datadog.traceAgentPort", "Datadog trace agent port (default 8126)."),
		config.SDK(DDTraceAgentURL, "observability.datadog.traceAgentUrl", "Datadog trace agent URL."),
		config.SDK("DD_ENV", "observability.datadog.env", "Datadog environment tag."),
		config.SDK("DD_TAGS", "observability.datadog.tags", "Datadog tags."),
		config.SDK("DD_TRACE_SAMPLE_RATE", "observability.datadog.traceSampleRate", "Datadog sample rate."),
		config.SDK("DD_SERVICE", "observability.datadog.service", "Spacelift says not to set it."),
		config.Spacelift(XRayDaemonAddress, "observability.xray.daemonAddress", "X-Ray daemon host:port."),
		config.SDK("AWS_XRAY_CONTEXT_MISSING", "observability.xray.contextMissing", "X-Ray context-missing strategy."),
		config.SDK("AWS_XRAY_TRACING_NAME", "observability.xray.tracingName", "Spacelift says not to set it."),
		config.Spacelift(OTLPEndpoint, "observability.otel.endpoint", "OTLP/gRPC endpoint, http://host:4317."),
		config.SDK(OTLPProtocol, "observability.otel.protocol", "Must be grpc when set."),
		config.SDK("OTEL_SERVICE_NAME", "observability.otel.serviceName", "Spacelift says not to set it."),
	}
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	switch Vendor(cfg) {
	case "Datadog":
		return []checks.Requirement{{Var: DDAgentHost, Why: "OBSERVABILITY_VENDOR=Datadog"}}
	case "AWS":
		return append([]checks.Requirement{{Var: XRayDaemonAddress, Why: "OBSERVABILITY_VENDOR=AWS"}}, awsenv.Requirements()...)
	case "OpenTelemetry":
		return []checks.Requirement{{Var: OTLPEndpoint, Why: "OBSERVABILITY_VENDOR=OpenTelemetry"}}
	}
	return nil
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	reviewValues(cfg, r)
	for _, n := range []string{"DD_SERVICE", "AWS_XRAY_TRACING_NAME", "OTEL_SERVICE_NAME"} {
		if cfg.Has(n) {
			r.Compat.Warn(n, "unset "+n, "is set, but Spacelift says not to set it (it names its services itself)")
		}
	}
	vendor := Vendor(cfg)
	if vendor == "Disabled" {
		for _, n := range []string{DDAgentHost, XRayDaemonAddress, OTLPEndpoint} {
			if cfg.Has(n) {
				r.Compat.Warn(n, "set OBSERVABILITY_VENDOR to the vendor you use, or remove "+n,
					"is set, but OBSERVABILITY_VENDOR is Disabled (or unset), so it is ignored")
			}
		}
	}
	r.Compat.Detail("observability", vendor)
}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	if v, ok := cfg.Display(OTLPEndpoint); ok {
		e.WebURL(OTLPEndpoint, v, otlpPort)
	}
	if v, ok := cfg.Display(DDAgentHost); ok {
		port := cfg.Get(DDTraceAgentPort)
		if port == "" {
			port = datadogPort
		}
		e.Add(DDAgentHost, v, port, checks.NoTLS)
	}
	if v, ok := cfg.Display(DDTraceAgentURL); ok {
		if strings.HasPrefix(v, "unix://") {
			e.Gap("endpoint "+DDTraceAgentURL, "a Unix socket has no DNS or TLS to record")
		} else {
			e.WebURL(DDTraceAgentURL, v, "")
		}
	}
	if v, ok := cfg.Display(XRayDaemonAddress); ok {
		// "host:port", or "tcp:host:port udp:host:port".
		for _, f := range strings.Fields(v) {
			f = strings.TrimPrefix(strings.TrimPrefix(f, "tcp:"), "udp:")
			if h, p, err := net.SplitHostPort(f); err == nil {
				e.Add(XRayDaemonAddress, h, p, checks.NoTLS)
			}
		}
	}
}

func reviewValues(cfg *config.Config, r *checks.Review) {
	raw := cfg.Get(VendorVar)
	vendor := Vendor(cfg)
	if raw != "" && raw != vendor {
		r.Values.Warn(VendorVar, "write it exactly as "+vendor+"; whether Spacelift ignores case is unconfirmed", "%q matches %q only when case is ignored", raw, vendor)
	}
	switch vendor {
	case "AWS":
		r.Values.Warn(VendorVar, "use OpenTelemetry with the ADOT collector, which can send to X-Ray", "AWS (X-Ray) is deprecated in favour of OpenTelemetry")
		if a := cfg.Get(XRayDaemonAddress); a != "" {
			addr := strings.TrimPrefix(strings.TrimPrefix(a, "udp:"), "tcp:")
			if _, _, err := net.SplitHostPort(strings.Fields(addr + " ")[0]); err != nil {
				r.Values.Fail(XRayDaemonAddress, "write e.g. xray-daemon:2000", "%q is not host:port", a)
			}
		}
	case "OpenTelemetry":
		if ep := cfg.Get(OTLPEndpoint); ep != "" {
			switch {
			case strings.HasPrefix(ep, "http://"):
			case strings.HasPrefix(ep, "https://"):
				r.Values.Warn(OTLPEndpoint, "write http://HOST:4317 unless your collector terminates TLS", "uses https://; the docs require the http:// form for the gRPC endpoint")
			default:
				r.Values.Fail(OTLPEndpoint, "write http://HOST:4317 (the docs require the scheme even for gRPC)", "%s has no http:// scheme", secret.ShowURL(ep))
			}
			if strings.HasSuffix(strings.TrimSuffix(ep, "/"), ":4318") {
				r.Values.Warn(OTLPEndpoint, "use the collector's gRPC port, usually 4317", "port 4318 is OTLP over HTTP, but Spacelift exports over gRPC")
			}
		}
		if p := cfg.Get(OTLPProtocol); p != "" && p != "grpc" {
			r.Values.Warn(OTLPProtocol, "unset it or set grpc", "is %q, but Spacelift exports over gRPC", p)
		}
	}
}
