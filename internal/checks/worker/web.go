package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// web makes the worker's HTTP(S) requests as the launcher would: through
// the proxy the inputs configure (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, with
// Go's rules: the launcher is a Go program), trusting the worker's roots,
// following no redirect. The tool's own environment plays no part unless
// --from-env made it an input.
type web struct {
	client *http.Client
	proxy  func(*url.URL) (*url.URL, error)
	roots  string
	now    func() time.Time

	mu    sync.Mutex
	peers map[string]*x509.Certificate // leaf certificate by server name
}

func newWeb(cfg *config.Config, d deps, tr trust) *web {
	pf := proxyConfig(cfg).ProxyFunc()
	w := &web{proxy: pf, roots: tr.describe, now: d.now, peers: map[string]*x509.Certificate{}}
	transport := &http.Transport{
		Proxy:             func(r *http.Request) (*url.URL, error) { return pf(r.URL) },
		DialContext:       d.dial,
		ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: tr.pool, MinVersion: tls.VersionTLS12, Time: d.now,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) > 0 {
					w.mu.Lock()
					w.peers[cs.ServerName] = cs.PeerCertificates[0]
					w.mu.Unlock()
				}
				return nil
			}},
	}
	w.client = &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return w
}

func (w *web) close() { w.client.CloseIdleConnections() }

// peer is the leaf certificate host served, if a TLS handshake with it
// completed.
func (w *web) peer(host string) *x509.Certificate {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peers[host]
}

// via says how a request to u travels, with any proxy password masked.
func (w *web) via(u *url.URL) string {
	p, err := w.proxy(u)
	switch {
	case err != nil:
		return "through a proxy URL that does not parse (" + secret.ParseErrorText(err) + ")"
	case p == nil:
		return "directly"
	}
	return "through the proxy " + secret.DisplayURL(p.String())
}

// proxied reports whether a request to u goes through a proxy.
func (w *web) proxied(u *url.URL) bool {
	p, err := w.proxy(u)
	return err == nil && p != nil
}

// answer is what a server said, enough to judge it.
type answer struct {
	status int
	text   string
	header http.Header
	body   []byte
}

// do sends one request and reads at most maxBody bytes of the answer.
func (w *web) do(ctx context.Context, method, rawURL string, header http.Header) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "spacectl-preflight")
	resp, err := w.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return answer{status: resp.StatusCode, text: resp.Status, header: resp.Header, body: body}, nil
}

// maxBody bounds what is read of an answer: registry errors and token
// responses are small.
const maxBody = 1 << 20

// failure explains a request that got no HTTP answer: what happened and
// how to fix it, naming the roots and the proxy the worker uses.
func (w *web) failure(u *url.URL, err error, hung bool, purpose string) (string, string) {
	host := net.JoinHostPort(u.Hostname(), portOf(u))
	via := w.via(u)
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	var op *net.OpError
	isOp := errors.As(err, &op)
	switch {
	case isOp && op.Op == "proxyconnect":
		return fmt.Sprintf("cannot reach the proxy (%s): %s", via, innermost(err)),
			"Check HTTPS_PROXY/HTTP_PROXY: the proxy must accept connections from the worker's network."
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = " (issuer " + unknown.Cert.Issuer.String() + ")"
		}
		return fmt.Sprintf("the certificate of %s is not trusted by %s%s", u.Hostname(), w.roots, issuer),
			"Make the worker trust the CA that signed it: on a VM or EC2 worker, the system trust store (the EC2 worker-pool module installs its ca_certificates there with update-ca-trust); " +
				"ADDITIONAL_ROOT_CAS for the CloudFormation worker pool (AdditionalRootCAsSecretName); .pem files in /opt/spacelift/certs for the Kubernetes controller (give that directory to this check as " + CADir + "). " +
				"If a TLS-inspecting proxy re-signs traffic, its CA must be trusted the same way."
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the certificate served for %s does not cover that name: %s", u.Hostname(), hostErr.Error()),
			"Serve a certificate whose subjectAltName covers " + u.Hostname() + "."
	case errors.As(err, &invalid):
		return fmt.Sprintf("the certificate of %s is not valid: %s", u.Hostname(), invalid.Error()),
			"Renew the certificate (or fix this machine's clock)."
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("%s does not resolve from here (%s)", u.Hostname(), dnsReason(dnsErr)),
			"Make " + u.Hostname() + " resolvable from the worker's network (a private hosted zone must be associated with the workers' VPC), or set HTTPS_PROXY if the worker may reach the internet only through a proxy."
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("%s answers plain HTTP, not HTTPS", host),
			"Check the scheme the worker is given for " + host + " (" + purpose + "): it speaks plain HTTP on this port."
	case hung:
		return fmt.Sprintf("%s did not answer (%s) before the deadline: packets are probably dropped", host, via),
			"Allow egress from the worker to " + host + " (" + purpose + "): security groups, network ACLs, firewalls; or route it through the proxy."
	case isOp && errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s refused the connection (%s)", host, via),
			"Check that " + host + " is the right address and that something listens there (" + purpose + ")."
	case w.proxied(u):
		return fmt.Sprintf("the proxy did not connect to %s (%s): %s", host, via, innermost(err)),
			"Allow " + host + " on the proxy (its allow-list), or add it to NO_PROXY when the worker reaches it directly."
	}
	return fmt.Sprintf("cannot reach %s (%s): %s", host, via, innermost(err)),
		"Allow egress from the worker to " + host + " (" + purpose + ")."
}

// innermost is the root cause of a transport error, without the URL the
// wrappers repeat.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

func dnsReason(e *net.DNSError) string {
	switch {
	case e.IsNotFound:
		return "no such host"
	case e.IsTimeout:
		return "the DNS server did not answer"
	}
	return e.Err
}

// certDetails describes the leaf certificate a host served, and warns
// when it expires soon.
func certDetails(v *checks.Verdict, name string, c *x509.Certificate, now time.Time) {
	if c == nil {
		return
	}
	v.Detail(name+" certificate issuer", c.Issuer.String())
	v.Detail(name+" certificate expires", c.NotAfter.UTC().Format(time.RFC3339))
	if left := c.NotAfter.Sub(now); left < expiryWarning {
		v.Warn(name, "Renew the certificate before it expires: workers reject an expired one.",
			"the certificate expires in %d days (%s)", int(left.Hours()/24), c.NotAfter.UTC().Format("2006-01-02"))
	}
}

// expiryWarning is how close to its expiry a certificate draws a warning.
const expiryWarning = 30 * 24 * time.Hour

// hostOnly is the host of host[:port].
func hostOnly(hostport string) string {
	h, _ := splitHostPort(hostport, "")
	return strings.Trim(h, "[]")
}
