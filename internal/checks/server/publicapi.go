package server

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// PublicAPIID is the check's ID.
const PublicAPIID = "server.public-api"

// publicAPICheck registers server.public-api: with SPACELIFT_PUBLIC_API
// set, the drain reports usage there and "must be able to access this
// endpoint" (self-hosted docs, reference-architecture/reference/usage-reporting).
// The check runs where this tool runs, which stands for the drain only
// when run in its network, so a failure is a warning.
func publicAPICheck(cfg *config.Config, opts checks.Options, d deps) checks.Check {
	c := checks.Check{ID: PublicAPIID, Title: "The drain can reach SPACELIFT_PUBLIC_API (usage reporting)",
		Run: func(ctx context.Context) checks.Result { return publicAPI(ctx, cfg, d) }}
	switch {
	case !cfg.Has(configcheck.SpaceliftPublicAPIVar):
		c.Disabled = configcheck.SpaceliftPublicAPIVar + " is not set (usage reporting is off)"
	case opts.Stage != checks.PostInstall:
		c.Disabled = "runs with --stage post-install, from the drain's network"
	}
	return c
}

func publicAPI(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	raw := cfg.Get(configcheck.SpaceliftPublicAPIVar)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return checks.Skipf("%s is not an absolute https:// URL (config.values reports it)", configcheck.SpaceliftPublicAPIVar)
	}
	hp := d.https(cfg)
	defer hp.client.CloseIdleConnections()
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(inner, http.MethodGet, u.String(), nil)
	if err != nil {
		return checks.Skipf("%s does not make a request: %v", configcheck.SpaceliftPublicAPIVar, err)
	}
	details := []checks.Detail{checks.KV("url", u.String()), checks.KV("trusted roots", hp.roots)}
	resp, err := hp.client.Do(req)
	if err != nil {
		res := transportFailure(u.String(), u.Hostname(), hp.roots, err, inner.Err() != nil)
		res.Status = checks.Warn
		res.Advice = "Usage reports are lost until the drain reaches " + u.Host + ": allow HTTPS egress to it (and set HTTPS_PROXY if egress goes through a proxy), or unset " +
			configcheck.SpaceliftPublicAPIVar + " to turn usage reporting off. " + res.Advice
		return res.With(details...)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	// Any HTTP answer proves the network path and TLS; no health path of
	// the public API is documented, so the status code is not judged.
	return checks.Passf("%s answers over HTTPS (%s) from here", u.Host, resp.Status).With(append(details, checks.KV("status", resp.Status))...)
}
