// Package server holds server.health, the post-install check that the
// Spacelift server answers on https://SERVER_DOMAIN/health with a
// certificate workers trust.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Group is the check's group name.
const Group = "server"

// HealthID is the check's ID.
const HealthID = "server.health"

const expiryWarning = 30 * 24 * time.Hour

// deps are the package's seams; tests replace them.
type deps struct {
	// rootCAs nil means the system roots, which is what workers use.
	rootCAs *x509.CertPool
	now     func() time.Time
}

// Backend is the Spacelift server itself, once installed.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Spacelift server"} }

// Vars implements checks.Backend: SERVER_DOMAIN is the configuration's.
func (Backend) Vars() []config.Var { return nil }

// Required implements checks.Backend.
func (Backend) Required(*config.Config) []checks.Requirement { return nil }

// Review implements checks.Backend.
func (Backend) Review(*config.Config, *checks.Review) {}

// Endpoints implements checks.Backend: configcheck records SERVER_DOMAIN.
func (Backend) Endpoints(*config.Config, *checks.EndpointSet) {}

// Register implements checks.Backend: server.health, disabled before
// installation.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, deps{now: time.Now})
}

func register(p *checks.Plan, cfg *config.Config, opts checks.Options, d deps) {
	c := checks.Check{ID: HealthID, Title: "The Spacelift server answers on https://SERVER_DOMAIN/health",
		Run: func(ctx context.Context) checks.Result { return health(ctx, cfg, d) }}
	switch {
	case opts.Stage != checks.PostInstall:
		c.Disabled = "runs with --stage post-install: before installation there is no Spacelift server to ask"
	case !cfg.Has(configcheck.ServerDomain):
		c.Disabled = "SERVER_DOMAIN is not set"
	}
	p.Add(c)
}

func health(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	domain := strings.TrimSpace(cfg.Get(configcheck.ServerDomain))
	if i := strings.Index(domain, "://"); i >= 0 {
		domain = domain[i+3:]
	}
	domain = strings.TrimSuffix(domain, "/")
	url := "https://" + domain + "/health"
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	var peer *x509.Certificate
	tr := &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       (&net.Dialer{}).DialContext,
		ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: d.rootCAs, MinVersion: tls.VersionTLS12, Time: d.now,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) > 0 {
					peer = cs.PeerCertificates[0]
				}
				return nil
			}},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(inner, http.MethodGet, url, nil)
	if err != nil {
		return checks.Failf("Set SERVER_DOMAIN to the bare hostname of the Spacelift UI, e.g. spacelift.example.com.", "SERVER_DOMAIN %s does not make a URL: %s", secret.ShowURL(domain), secret.ParseErrorText(err))
	}
	details := []checks.Detail{checks.KV("url", url)}
	resp, err := client.Do(req)
	if err != nil {
		return transportFailure(url, host, err, inner.Err() != nil).With(details...)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	details = append(details, checks.KV("status", resp.Status))
	if peer != nil {
		details = append(details, checks.KV("certificate issuer", peer.Issuer.String()), checks.KV("certificate expires", peer.NotAfter.UTC().Format(time.RFC3339)))
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return checks.Failf("Route /health straight to the Spacelift server's port 1983; an authentication proxy or a redirect in front of it also stands between workers and the API.",
			"%s redirects to %s instead of answering", url, resp.Header.Get("Location")).With(details...)
	case resp.StatusCode != http.StatusOK:
		return checks.Failf("Check the Spacelift server's logs and its load balancer's health of the targets (the official modules health-check GET /health on port 1983).",
			"%s answered %s", url, resp.Status).With(details...)
	}
	res := checks.Passf("the Spacelift server answers 200 at %s with a trusted certificate", url).With(details...)
	if peer != nil {
		if left := peer.NotAfter.Sub(d.now()); left < expiryWarning {
			res.Status = checks.Warn
			res.Message = fmt.Sprintf("the server's certificate expires in %d days (%s); %s", int(left.Hours()/24), peer.NotAfter.UTC().Format("2006-01-02"), res.Message)
			res.Advice = "Renew the certificate of " + host + " before it expires: workers and browsers reject an expired one."
		}
	}
	return res
}

func transportFailure(url, host string, err error, hung bool) checks.Result {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = " (issuer " + unknown.Cert.Issuer.String() + ")"
		}
		return checks.Failf("Serve a certificate from a publicly trusted CA (with the full chain) for "+host+": workers reject private or staging CAs such as Let's Encrypt staging.",
			"the certificate of %s is not trusted by the system roots%s", host, issuer)
	case errors.As(err, &hostErr):
		return checks.Failf("Issue the certificate for "+host+" (as a subjectAltName), or set SERVER_DOMAIN to a name it covers.",
			"the certificate served for %s does not cover that name: %v", host, hostErr.Error())
	case errors.As(err, &invalid):
		return checks.Failf("Renew the server's certificate (or fix this machine's clock).", "the certificate of %s is not valid: %v", host, invalid.Error())
	case errors.As(err, &dnsErr):
		return checks.Failf("Create the DNS record for "+host+" pointing at the load balancer in front of the Spacelift server.", "%s does not resolve: %s", host, dnsErr.Err)
	case hung:
		return checks.Failf("Check that the load balancer in front of the Spacelift server accepts HTTPS on 443 from here (security groups, firewall) and that the server is running.",
			"%s did not answer", url)
	}
	return checks.Failf("Check that the load balancer in front of the Spacelift server listens on 443 and forwards to the server, and that the server is running.",
		"cannot reach %s: %v", url, rootCause(err))
}

func rootCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
