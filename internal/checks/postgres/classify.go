package postgres

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Failure kinds: a stable vocabulary shown as the "failure" detail, so a
// reader (and a test) can tell the cases apart without parsing prose.
const (
	kindConfig             = "config"
	kindDNS                = "dns"
	kindRefused            = "connection-refused"
	kindUnreachable        = "unreachable"
	kindTimeout            = "timeout"
	kindTLSUnsupported     = "tls-not-supported"
	kindTLSUnknownCA       = "tls-unknown-authority"
	kindTLSHostname        = "tls-hostname-mismatch"
	kindTLSExpired         = "tls-certificate-expired"
	kindTLSInvalid         = "tls-certificate-invalid"
	kindTLS                = "tls-handshake"
	kindAuthPassword       = "authentication-failed"
	kindAuthHBA            = "pg-hba-rejected"
	kindAuthRole           = "role-does-not-exist"
	kindAuthorization      = "authorization-rejected"
	kindDatabaseMissing    = "database-does-not-exist"
	kindTooManyConnections = "too-many-connections"
	kindNoConnectPrivilege = "no-connect-privilege"
	kindNotAccepting       = "server-not-accepting"
	kindServerError        = "server-error"
	kindInterrupted        = "interrupted"
	kindOther              = "other"
)

// SQLSTATEs the connect classification distinguishes.
const (
	sqlInvalidPassword      = "28P01"
	sqlInvalidAuthorization = "28000"
	sqlInvalidCatalogName   = "3D000"
	sqlTooManyConnections   = "53300"
	sqlInsufficientPrivs    = "42501"
	sqlCannotConnectNow     = "57P03"
	sqlReadOnlyTransaction  = "25006"
)

// failure is a connection error turned into something a person can act on.
type failure struct {
	Kind    string
	Status  checks.Status
	Message string
	Advice  string
}

// result renders the failure with the endpoint details and the scrubbed
// driver error.
func (f failure) result(ep *endpoint, err error, scrub func(string) string) checks.Result {
	res := checks.Result{Status: f.Status, Message: f.Message, Advice: f.Advice}
	res.Details.Add("failure", f.Kind)
	if ep != nil {
		res.Details.Add("server", ep.Server())
		res.Details.Add("database", ep.Database)
		res.Details.Add("user", ep.User)
		res.Details.Add("sslmode", ep.SSLMode)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		res.Details.Add("sqlstate", pgErr.Code)
	}
	if err != nil {
		res.Details.Add("error", scrub(driverText(err)))
	}
	return res
}

// driverText is the error as it may be shown. A parse error is rewritten
// without its input: pgx prefixes the (best-effort redacted) connection
// string and quotes the piece it choked on.
func driverText(err error) string {
	var pce *pgconn.ParseConfigError
	var mr *misreadError
	switch {
	case errors.As(err, &mr):
		return mr.Error()
	case errors.As(err, &pce):
		return pgxParseText(err)
	}
	return err.Error()
}

// classify turns a pgx connect error into a verdict with its own advice.
// The order matters: with sslmode=prefer pgx tries TLS and then plain text
// and joins both errors, and the server's own word (a PgError) is the most
// specific thing either attempt learned.
func classify(err error, ep *endpoint, elapsed time.Duration) failure {
	if ep == nil {
		ep = &endpoint{}
	}
	srv := ep.Server()
	if f, ok := classifyConfig(err); ok {
		return f
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyServer(pgErr, ep)
	}
	if f, ok := classifyTLS(err, ep); ok {
		return f
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && !dnsErr.IsTimeout {
		if dnsErr.IsNotFound {
			return failure{kindDNS, checks.Fail,
				fmt.Sprintf("host %q does not exist in DNS (as resolved from here)", dnsErr.Name),
				"Check the host name in DATABASE_URL for typos. Private DNS names (RDS endpoints in a private hosted zone, Cloud SQL private IP names, Azure private DNS zones) resolve only inside their network: run the preflight where the Spacelift pods run."}
		}
		return failure{kindDNS, checks.Error,
			fmt.Sprintf("DNS lookup of %q failed: %s", dnsErr.Name, dnsErr.Err),
			"The resolver could not answer. Check /etc/resolv.conf and that a DNS server is reachable from here, then run the check again."}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		advice := fmt.Sprintf("Nothing accepts connections on %s. Check the host and port in DATABASE_URL, that the server is running and listens on this address (listen_addresses, port), and that no firewall rejects the connection.", srv)
		return failure{kindRefused, checks.Fail, fmt.Sprintf("connection to %s refused", srv), advice}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return failure{kindUnreachable, checks.Error,
			fmt.Sprintf("no network route to %s", srv),
			"This machine has no route to the database network. Run the preflight from the network the Spacelift pods run in (same VPC/VNet, peering or VPN up)."}
	case isTimeout(err):
		return timeoutFailure(ep, elapsed)
	case errors.Is(err, context.Canceled):
		return failure{kindInterrupted, checks.Error, fmt.Sprintf("connecting to %s was interrupted", srv),
			"The run was interrupted before the connection finished; run the check again."}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNRESET) {
		return failure{kindOther, checks.Error,
			fmt.Sprintf("network error while connecting to %s", srv),
			"The connection broke before PostgreSQL answered. Check that the host and port are PostgreSQL's (not a proxy or load balancer without a healthy target) and run the check again."}
	}
	return failure{kindOther, checks.Error, fmt.Sprintf("could not connect to %s", srv),
		"See the error detail; if it does not explain the problem, run with -v and report it."}
}

func classifyConfig(err error) (failure, bool) {
	var mr *misreadError
	if errors.As(err, &mr) {
		return failure{kindConfig, checks.Fail, "DATABASE_URL is not read by pgx, the driver Spacelift uses, as it is written: " + mr.ui.Explain(), urlAdvice}, true
	}
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return failure{}, false
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return failure{kindConfig, checks.Fail,
			"DATABASE_URL names a certificate or key file (sslrootcert, sslcert or sslkey) that cannot be read",
			"Point sslrootcert/sslcert/sslkey at files that exist here and inside the Spacelift pods (mount them from a Secret or ConfigMap), or use sslrootcert=system to trust the system CA store."}, true
	}
	return failure{kindConfig, checks.Fail, "DATABASE_URL cannot be parsed by pgx, the driver Spacelift uses: " + parseProblem(pce.ConnString, err), urlAdvice}, true
}

func classifyServer(pgErr *pgconn.PgError, ep *endpoint) failure {
	user, db := quoteIdent(ep.User), quoteIdent(ep.Database)
	said := fmt.Sprintf("the server said: %s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	switch pgErr.Code {
	case sqlInvalidPassword:
		return failure{kindAuthPassword, checks.Fail,
			fmt.Sprintf("password authentication failed for user %q", ep.User),
			"Check the user name and password in DATABASE_URL; URL-encode special characters in the password (" + secret.Encodings + "). To reset it, as an administrator: ALTER ROLE " + user + " PASSWORD '...';. IAM database authentication (RDS/Aurora, Cloud SQL) uses short-lived tokens instead of a fixed password."}
	case sqlInvalidAuthorization:
		msg := strings.ToLower(pgErr.Message)
		switch {
		case strings.Contains(msg, "pg_hba.conf"):
			advice := fmt.Sprintf("The server's host-based authentication rules (pg_hba.conf) have no line that lets user %s connect to database %s from this client's address", user, db)
			if strings.Contains(msg, "no encryption") {
				advice += " without encryption. The server requires TLS: add sslmode=verify-full (or at least sslmode=require) to DATABASE_URL."
			} else {
				advice += fmt.Sprintf(". Add one (e.g. hostssl %s %s CLIENT_CIDR scram-sha-256) and reload the server; on managed services allow the client network and user in the provider's settings.", ep.Database, ep.User)
			}
			return failure{kindAuthHBA, checks.Fail, "the server rejected the connection: " + said, advice}
		case strings.Contains(msg, "role") && strings.Contains(msg, "does not exist"):
			return failure{kindAuthRole, checks.Fail, fmt.Sprintf("role %q does not exist", ep.User),
				"Create it as an administrator: CREATE ROLE " + user + " LOGIN PASSWORD '...';, then grant it what postgres.privileges lists."}
		}
		return failure{kindAuthorization, checks.Fail, "the server rejected the login: " + said,
			"Check the user in DATABASE_URL and that it may log in (ALTER ROLE " + user + " LOGIN;)."}
	case sqlInvalidCatalogName:
		return failure{kindDatabaseMissing, checks.Fail, fmt.Sprintf("database %q does not exist on %s", ep.Database, ep.Server()),
			fmt.Sprintf("Create a dedicated database for Spacelift as an administrator: CREATE DATABASE %s; GRANT ALL PRIVILEGES ON DATABASE %s TO %s; or fix the database name in DATABASE_URL.", db, db, user)}
	case sqlTooManyConnections:
		return failure{kindTooManyConnections, checks.Fail, "the server has no free connection slot: " + said,
			"Find who holds the connections (SELECT usename, application_name, count(*) FROM pg_stat_activity GROUP BY 1, 2 ORDER BY 3 DESC;), then raise max_connections, lower other clients' pool sizes, or lift a per-role/per-database limit (ALTER ROLE " + user + " CONNECTION LIMIT -1;)."}
	case sqlInsufficientPrivs:
		return failure{kindNoConnectPrivilege, checks.Fail, "the user may not connect to the database: " + said,
			fmt.Sprintf("As an administrator: GRANT CONNECT ON DATABASE %s TO %s;", db, user)}
	case sqlCannotConnectNow:
		return failure{kindNotAccepting, checks.Error, "the server is not accepting connections right now: " + said,
			"The server is starting up, shutting down or recovering; wait until it is up and run the check again."}
	}
	return failure{kindServerError, checks.Fail, "the server refused the connection: " + said,
		"See the server's message and SQLSTATE; the PostgreSQL documentation's Appendix A lists every code."}
}

func classifyTLS(err error, ep *endpoint) (failure, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	rootHint := "sslrootcert in DATABASE_URL"
	trustAdvice := "Set sslrootcert=/path/to/ca.pem in DATABASE_URL to the CA bundle that signed the server certificate, and mount the same file into the Spacelift pods (RDS/Aurora: the regional bundle from the AWS RDS trust store; Cloud SQL: the instance's server-ca.pem; Azure: DigiCert Global Root G2 and Microsoft RSA Root Certificate Authority 2017). Without sslrootcert, pgx trusts only the system CA store."
	switch {
	case errors.As(err, &unknown):
		msg := fmt.Sprintf("the server certificate of %s is signed by an unknown authority (not in %s)", ep.Server(), rootHint)
		if unknown.Cert != nil {
			msg += fmt.Sprintf("; it was issued by %q", unknown.Cert.Issuer.String())
		}
		return failure{kindTLSUnknownCA, checks.Fail, msg, trustAdvice}, true
	case errors.As(err, &hostname):
		names := "none"
		if c := hostname.Certificate; c != nil {
			var all []string
			all = append(all, c.DNSNames...)
			for _, ip := range c.IPAddresses {
				all = append(all, ip.String())
			}
			if len(all) > 0 {
				names = strings.Join(all, ", ")
			}
		}
		return failure{kindTLSHostname, checks.Fail,
			fmt.Sprintf("the server certificate is not valid for host %q (it names: %s)", hostname.Host, names),
			"Use a host name the certificate names in DATABASE_URL (e.g. the provider's endpoint rather than an IP address or your own CNAME), or get a certificate that includes this name. sslmode=verify-ca skips the host-name check, at the cost of accepting any server the CA vouches for."}, true
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			msg := "the server certificate (or a CA in its chain) has expired"
			if invalid.Cert != nil {
				msg = fmt.Sprintf("the certificate %q expired on %s", invalid.Cert.Subject.String(), invalid.Cert.NotAfter.UTC().Format(time.DateOnly))
			}
			return failure{kindTLSExpired, checks.Fail, msg,
				"Renew the server certificate (on RDS/Aurora, Cloud SQL and Azure: rotate the instance to a current CA) and update sslrootcert if the CA changed. Also check this machine's clock."}, true
		}
		return failure{kindTLSInvalid, checks.Fail,
			fmt.Sprintf("the server certificate of %s is not acceptable: %s", ep.Server(), invalid.Error()),
			"Replace the server certificate with one that is valid for TLS server authentication, or fix sslrootcert."}, true
	}
	requires := ep.SSLMode == "require" || strings.HasPrefix(ep.SSLMode, "verify-")
	if requires && strings.Contains(err.Error(), "server refused TLS connection") {
		return failure{kindTLSUnsupported, checks.Fail,
			fmt.Sprintf("the server at %s does not support SSL, but sslmode=%s requires it", ep.Server(), ep.SSLMode),
			"Enable TLS on the server (ssl = on with a certificate; managed services have it on by default: check you reach the database and not a proxy). Only on a trusted path, such as a local Cloud SQL Auth Proxy that encrypts onwards, use sslmode=disable."}, true
	}
	if strings.Contains(err.Error(), "tls error") && !isTimeout(err) {
		return failure{kindTLS, checks.Fail,
			fmt.Sprintf("the TLS handshake with %s failed", ep.Server()),
			"See the error detail. Common causes: the server offers only old TLS versions or ciphers, requires a client certificate (sslcert/sslkey), or the port is not PostgreSQL."}, true
	}
	return failure{}, false
}

func isTimeout(err error) bool {
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

func timeoutFailure(ep *endpoint, elapsed time.Duration) failure {
	pr := ep.snapshot()
	addr := pr.addr
	if addr == "" {
		addr = ep.Server()
	}
	after := elapsed.Round(100 * time.Millisecond)
	switch {
	case pr.addr == "":
		return failure{kindTimeout, checks.Error,
			fmt.Sprintf("the DNS lookup of %q did not finish within %s", ep.Host, after),
			"The resolver did not answer in time. Check /etc/resolv.conf and that a DNS server is reachable from here."}
	case !pr.tcpUp:
		return failure{kindTimeout, checks.Error,
			fmt.Sprintf("the TCP connection to %s was not answered within %s", addr, after),
			"Packets to the database are dropped on the way: check the security group / firewall / network policy allows this machine to reach the port, that host and port are right, and that the server is up. Run the preflight from where the Spacelift pods run."}
	case !pr.answered:
		what := "startup message"
		if ep.SSLMode != "disable" {
			what = "SSL request"
		}
		return failure{kindTimeout, checks.Error,
			fmt.Sprintf("%s accepted the TCP connection but did not answer the PostgreSQL %s within %s", addr, what, after),
			"Something listens on that port but does not speak PostgreSQL to us: check the port is PostgreSQL's, and that a proxy or load balancer in front of it has a healthy backend."}
	}
	return failure{kindTimeout, checks.Error,
		fmt.Sprintf("%s answered but did not finish setting up the connection (TLS handshake, authentication) within %s", addr, after),
		"The server started the handshake but stalled: check the server load and any external authentication it uses (LDAP, RADIUS, IAM), and raise the check timeout if the server is just slow."}
}
