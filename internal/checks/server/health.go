// Package server holds server.health, the check that (after installation) the
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
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
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
	// rootCAs nil means what Spacelift's side trusts: the system roots
	// plus ADDITIONAL_ROOT_CAS.
	rootCAs *x509.CertPool
	now     func() time.Time
	// lookupHost resolves SERVER_DOMAIN before installation; nil means
	// the system resolver.
	lookupHost func(ctx context.Context, host string) ([]string, error)
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

// Register implements checks.Backend: server.health, which before
// installation only resolves SERVER_DOMAIN.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, deps{now: time.Now})
}

func register(p *checks.Plan, cfg *config.Config, opts checks.Options, d deps) {
	c := checks.Check{ID: HealthID, Title: "The Spacelift server answers on https://SERVER_DOMAIN/health",
		Run: func(ctx context.Context) checks.Result { return health(ctx, cfg, d, !opts.ReadOnly) }}
	if opts.Stage != checks.PostInstall {
		c.Run = func(ctx context.Context) checks.Result { return resolves(ctx, cfg, d) }
	}
	if !cfg.Has(configcheck.ServerDomain) {
		c.Disabled = "SERVER_DOMAIN is not set"
	}
	p.Add(c, publicAPICheck(cfg, opts, d))
}

// serverDomain is SERVER_DOMAIN as a host[:port] (a scheme or trailing
// slash, which config.values reports, tolerated) and its host.
func serverDomain(cfg *config.Config) (domain, host string) {
	domain = strings.TrimSpace(cfg.Get(configcheck.ServerDomain))
	if i := strings.Index(domain, "://"); i >= 0 {
		domain = domain[i+3:]
	}
	domain = strings.TrimSuffix(domain, "/")
	host = domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	return domain, host
}

// resolves is server.health before installation: there is no server to
// ask yet, but the name workers, browsers and VCS webhooks will use may
// already resolve. Not resolving only warns: the record is often created
// with the load balancer, during installation.
func resolves(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	_, host := serverDomain(cfg)
	lookup := d.lookupHost
	if lookup == nil {
		lookup = net.DefaultResolver.LookupHost
	}
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	addrs, err := lookup(inner, host)
	stage := checks.KV("stage", "pre-install: only the name is resolved; run again with --stage post-install to check the server")
	if err != nil {
		why := rootCause(err)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			why = "no such host"
		}
		return checks.Warnf("Create the DNS record of "+host+" pointing at the load balancer in front of the Spacelift server (expected to be missing until it exists); workers, browsers and VCS webhooks all reach Spacelift through this name.",
			"SERVER_DOMAIN %s does not resolve from here (%s)", host, why).With(checks.KV("host", host), stage)
	}
	return checks.Passf("SERVER_DOMAIN %s resolves to %s; the server itself is checked after installation (--stage post-install)", host, strings.Join(addrs, ", ")).
		With(checks.KV("host", host), checks.KV("addresses", strings.Join(addrs, ", ")), stage)
}

// health is server.health after installation: GET /health, then (unless
// read-only) one large POST that a body-size limit in front of Spacelift
// would refuse.
func health(ctx context.Context, cfg *config.Config, d deps, probeBody bool) checks.Result {
	domain, host := serverDomain(cfg)
	url := "https://" + domain + "/health"
	hp := d.https(cfg)
	defer hp.client.CloseIdleConnections()
	client, rootsDesc := hp.client, hp.roots
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(inner, http.MethodGet, url, nil)
	if err != nil {
		return checks.Failf("Set SERVER_DOMAIN to the bare hostname of the Spacelift UI, e.g. spacelift.example.com.", "SERVER_DOMAIN %s does not make a URL: %s", secret.ShowURL(domain), secret.ParseErrorText(err))
	}
	details := []checks.Detail{checks.KV("url", url), checks.KV("trusted roots", rootsDesc)}
	resp, err := client.Do(req)
	if err != nil {
		return transportFailure(url, host, rootsDesc, err, inner.Err() != nil).With(details...)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	details = append(details, checks.KV("status", resp.Status))
	if c := hp.peer; c != nil {
		details = append(details, checks.KV("certificate issuer", c.Issuer.String()), checks.KV("certificate expires", c.NotAfter.UTC().Format(time.RFC3339)))
		details = append(details, checks.CertificateEvidence(hostPort(domain), c.NotAfter)...)
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
	if c := hp.peer; c != nil {
		if left := c.NotAfter.Sub(d.now()); left < expiryWarning {
			res.Status = checks.Warn
			res.Message = fmt.Sprintf("the server's certificate expires in %d days (%s); %s", int(left.Hours()/24), c.NotAfter.UTC().Format("2006-01-02"), res.Message)
			res.Advice = "Renew the certificate of " + host + " before it expires: workers and browsers reject an expired one."
		}
	}
	if probeBody {
		res = largeBody(inner, client, domain, res)
	}
	return res
}

// httpsProbe is an HTTPS client as Spacelift's side makes them: the proxy
// from the environment, the roots Spacelift's services trust, no redirects
// followed. peer is the last server's leaf certificate.
type httpsProbe struct {
	client *http.Client
	roots  string
	peer   *x509.Certificate
}

func (d deps) https(cfg *config.Config) *httpsProbe {
	roots, desc := d.rootCAs, "the test roots"
	if roots == nil {
		roots, desc = rootcas.Roots(cfg)
	}
	hp := &httpsProbe{roots: desc}
	tr := &http.Transport{
		Proxy:             http.ProxyFromEnvironment,
		DialContext:       (&net.Dialer{}).DialContext,
		ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12, Time: d.now,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) > 0 {
					hp.peer = cs.PeerCertificates[0]
				}
				return nil
			}},
	}
	hp.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return hp
}

func transportFailure(url, host, roots string, err error, hung bool) checks.Result {
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
		return checks.Failf("Serve the full chain for "+host+" from a CA that workers and Spacelift's services trust: a publicly trusted CA (not a staging CA such as Let's Encrypt staging), "+
			"or a private CA that you add everywhere: ADDITIONAL_ROOT_CAS for Spacelift's services (this check trusts it too), and on worker pools the system trust store "+
			"(ca_certificates of the EC2 worker-pool module), AdditionalRootCAsSecretName (CloudFormation worker pool) or .pem files in /opt/spacelift/certs (Kubernetes controller).",
			"the certificate of %s is not trusted by %s%s", host, roots, issuer)
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

// hostPort is SERVER_DOMAIN as the endpoint the check connects to: with
// the HTTPS port when the domain names none.
func hostPort(domain string) string {
	if _, _, err := net.SplitHostPort(domain); err == nil {
		return domain
	}
	return net.JoinHostPort(domain, "443")
}

func rootCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
