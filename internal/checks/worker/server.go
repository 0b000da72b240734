package worker

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// serverAddress reads SERVER_DOMAIN as the worker uses it: a bare host
// (a scheme or a trailing slash is tolerated here; config.values of the
// server target reports them), on 443 unless it names a port.
func serverAddress(cfg *config.Config) (host, port string, ok bool) {
	d := strings.TrimSpace(cfg.Get(configcheck.ServerDomain))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	d = strings.TrimSuffix(strings.SplitN(d, "/", 2)[0], ".")
	if d == "" {
		return "", "", false
	}
	host, port = splitHostPort(d, "443")
	return host, port, host != ""
}

// sourceOf says where a variable was set, for a message.
func sourceOf(cfg *config.Config, name string) string {
	if src, ok := cfg.Source(name); ok {
		return "set at " + src.String()
	}
	return "not set"
}

// joinPort is host:port, leaving out def.
func joinPort(host, port, def string) string {
	if port == "" || port == def {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

// server is worker.server: https://SERVER_DOMAIN answers, through the
// worker's proxy, with a certificate the worker's roots verify. Networking
// reference: workers need the server on 443 "for making synchronous
// requests (for example notifying state changes and retrieving run log
// URLs)".
func server(ctx context.Context, cfg *config.Config, d deps, tr trust) checks.Result {
	host, port, ok := serverAddress(cfg)
	if !ok {
		return checks.Failf("Set SERVER_DOMAIN to the Spacelift server's hostname, the same value the server has (e.g. spacelift.example.com), or pass the server's env file too.",
			"SERVER_DOMAIN is not set: the worker's address of the Spacelift server is unknown")
	}
	if !configcheck.IsHostname(host) && net.ParseIP(host) == nil {
		return checks.Failf("Set SERVER_DOMAIN to the Spacelift server's bare hostname (letters, digits, hyphens and dots), the same value the server has, e.g. spacelift.example.com.",
			"SERVER_DOMAIN (%s): %q is not a valid hostname", sourceOf(cfg, configcheck.ServerDomain), host)
	}
	var v checks.Verdict
	if src, ok := cfg.Source(configcheck.ServerDomain); ok {
		v.Detail("SERVER_DOMAIN set at", src.String())
	}
	for _, p := range tr.problems {
		v.Add(p)
	}
	w := newWeb(cfg, d, tr)
	defer w.close()
	u := &url.URL{Scheme: "https", Host: joinPort(host, port, "443"), Path: "/health"}
	v.Detail("url", u.String())
	v.Detail("route", w.via(u))
	v.Detail("trusted roots", tr.describe)
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	a, err := w.do(inner, http.MethodGet, u.String(), nil)
	if err != nil {
		msg, advice := w.failure(u, err, inner.Err() != nil, "the Spacelift server")
		v.Fail(configcheck.ServerDomain, advice, "%s", msg)
		return v.Result("")
	}
	v.Detail("status", a.text)
	switch {
	case a.status == http.StatusOK:
		v.Pass(configcheck.ServerDomain, "%s answers 200 over HTTPS with a trusted certificate, %s", u.Host, w.via(u))
	case a.status >= 300 && a.status < 400:
		v.Warn(configcheck.ServerDomain, "Route https://"+u.Host+"/ straight to the Spacelift server: workers call its API and do not log in through a redirect.",
			"%s redirects to %s", u, a.header.Get("Location"))
	default:
		v.Warn(configcheck.ServerDomain, "The network path and the certificate are fine; check the Spacelift server and its load balancer's targets (the official modules health-check GET /health).",
			"%s answered %s", u, a.text)
	}
	certDetails(&v, "server", w.peer(host), d.now())
	return v.Result(fmt.Sprintf("the Spacelift server answers at https://%s with a certificate the worker trusts (%s)", u.Host, w.via(u)))
}
