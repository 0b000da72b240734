package postgres

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// certWarnDays is how close to expiry a server certificate may get before
// the check warns: 30 days leaves time to rotate a managed instance's CA in
// a maintenance window, and matches the common renewal lead time (Let's
// Encrypt renews at 30 days left).
const certWarnDays = 30

// transport describes how an established connection travels: where to,
// whether it is encrypted, and the certificate's remaining life. warnings
// hold what deserves a warn verdict, with their advice.
type transport struct {
	details  checks.Details
	warnings []warning
}

type warning struct{ msg, advice string }

func describeTransport(conn *pgx.Conn, ep *endpoint, now time.Time) transport {
	var t transport
	raw := conn.PgConn().Conn()
	t.details.Add("server", ep.Server())
	t.details.Add("address", raw.RemoteAddr().String())
	t.details.Add("database", ep.Database)
	t.details.Add("user", ep.User)
	t.details.Add("sslmode", ep.SSLMode)
	st := tlsState(conn)
	if w := plaintextWarning(st != nil, raw.RemoteAddr(), ep); w != nil {
		t.warnings = append(t.warnings, *w)
	}
	if st == nil {
		t.details.Add("encrypted", "no")
		return t
	}
	t.details.Add("encrypted", "yes")
	t.details.Add("tls version", tls.VersionName(st.Version))
	t.details.Add("cipher suite", tls.CipherSuiteName(st.CipherSuite))
	t.details.Add("server identity verified", identityVerified(ep.SSLMode))
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		t.details.Add("certificate subject", leaf.Subject.String())
		t.details.Add("certificate issuer", leaf.Issuer.String())
		t.details.Add("certificate expires", expiry(leaf, now))
		t.details = append(t.details, checks.CertificateEvidence(ep.Server(), leaf.NotAfter)...)
	}
	if len(st.VerifiedChains) > 0 && len(st.VerifiedChains[0]) > 1 {
		chain := st.VerifiedChains[0]
		t.details.Add("trusted root expires", expiry(chain[len(chain)-1], now))
	}
	t.warnings = append(t.warnings, certWarnings(st.PeerCertificates, now)...)
	return t
}

// plaintextWarning warns about an unencrypted connection that leaves this
// host. Loopback is judged on both the configured host and the address
// reached, so "localhost" and a Cloud SQL Auth Proxy on 127.0.0.1 (which
// encrypts onwards itself) do not warn.
func plaintextWarning(encrypted bool, remote net.Addr, ep *endpoint) *warning {
	if encrypted || ep.Loopback() || (remote != nil && isLoopbackAddr(remote)) {
		return nil
	}
	return &warning{
		fmt.Sprintf("the connection to %s is not encrypted", ep.Server()),
		"Queries, results and the login exchange cross the network in clear text. Enable TLS on the server and add sslmode=verify-full&sslrootcert=/path/to/ca.pem to DATABASE_URL.",
	}
}

func identityVerified(mode string) string {
	switch mode {
	case "verify-full":
		return "yes (certificate chain and host name)"
	case "verify-ca":
		return "chain only (sslmode=verify-ca does not check the host name)"
	}
	return fmt.Sprintf("no (sslmode=%s encrypts but accepts any certificate)", mode)
}

func expiry(c *x509.Certificate, now time.Time) string {
	days := int(c.NotAfter.Sub(now).Hours() / 24)
	return fmt.Sprintf("%s (in %d days)", c.NotAfter.UTC().Format(time.RFC3339), days)
}

// certWarnings flags every certificate the server sent (its own and any
// intermediates: what its operator controls) that expires within
// certWarnDays. The trusted root is the client's, shown as a detail only.
func certWarnings(sent []*x509.Certificate, now time.Time) []warning {
	var out []warning
	for i, c := range sent {
		left := c.NotAfter.Sub(now)
		if left >= certWarnDays*24*time.Hour {
			continue
		}
		what := "the server certificate"
		if i > 0 {
			what = fmt.Sprintf("the intermediate CA certificate %q", c.Subject.String())
		}
		out = append(out, warning{
			fmt.Sprintf("%s expires on %s, in %d days (under %d)", what, c.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24), certWarnDays),
			"Renew it before it expires: connections fail once it has. On RDS/Aurora, Cloud SQL and Azure rotate the instance's server CA; update sslrootcert if the CA changes.",
		})
	}
	return out
}

// withTransport folds the transport's details and warnings into res.
func withTransport(res checks.Result, t transport) checks.Result {
	res.Details = append(res.Details, t.details...)
	var advice []string
	if res.Advice != "" {
		advice = append(advice, res.Advice)
	}
	for _, w := range t.warnings {
		res.Status = checks.Worse(res.Status, checks.Warn)
		res.Message += "; " + w.msg
		advice = append(advice, w.advice)
	}
	res.Advice = joinLines(advice)
	return res
}
