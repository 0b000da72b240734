// Package telemetry holds telemetry.endpoint: the tracing backend chosen by
// OBSERVABILITY_VENDOR (a Datadog agent, an X-Ray daemon or an OTLP/gRPC
// collector) answers where Spacelift will send to.
package telemetry

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the check's group name.
const Group = "telemetry"

// EndpointID is the check's ID.
const EndpointID = "telemetry.endpoint"

// deps are the package's seams to the outside world; tests replace them.
type deps struct {
	lookupHost func(ctx context.Context, host string) ([]string, error)
	httpClient *http.Client
}

func defaultDeps() deps {
	// No proxy: the agent is a local or in-cluster service, and the check
	// must see exactly what Spacelift's tracer would reach.
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{}).DialContext, TLSHandshakeTimeout: 10 * time.Second}
	return deps{lookupHost: net.DefaultResolver.LookupHost, httpClient: &http.Client{Transport: tr}}
}

// Register implements checks.Backend: telemetry.endpoint.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, defaultDeps())
}

func register(p *checks.Plan, cfg *config.Config, _ checks.Options, d deps) {
	vendor := Vendor(cfg)
	c := checks.Check{ID: EndpointID, Title: "The telemetry backend answers where Spacelift sends traces"}
	switch vendor {
	case "Datadog":
		c.Run = func(ctx context.Context) checks.Result { return datadog(ctx, cfg, d) }
	case "AWS":
		c.Run = func(ctx context.Context) checks.Result { return xray(ctx, cfg, d) }
	case "OpenTelemetry":
		c.Run = func(ctx context.Context) checks.Result { return otlp(ctx, cfg) }
	default:
		c.Run = func(context.Context) checks.Result { return checks.Skipf("telemetry is off") }
		switch {
		case !cfg.Has(VendorVar):
			c.Disabled = "OBSERVABILITY_VENDOR is not set (telemetry is off)"
		case vendor == "Disabled":
			c.Disabled = "OBSERVABILITY_VENDOR is Disabled"
		default:
			c.Disabled = "OBSERVABILITY_VENDOR " + vendor + " is not a known vendor (config.values reports it)"
		}
	}
	p.Add(c)
}
