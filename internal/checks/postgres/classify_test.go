package postgres

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// testCert makes a throwaway self-signed certificate.
func testCert(t *testing.T, cn string, notAfter time.Time, dns ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, Issuer: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, DNSNames: dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type timeoutNetErr struct{}

func (timeoutNetErr) Error() string   { return "i/o timeout" }
func (timeoutNetErr) Timeout() bool   { return true }
func (timeoutNetErr) Temporary() bool { return true }

// wrapped mimics how pgconn wraps a per-host error: ConnectError and
// perDialConnectError are unexported-field types, so plain %w chains stand
// in for them; classify relies only on errors.As/Is.
func wrapped(err error) error {
	return fmt.Errorf("failed to connect to `user=app database=spacelift`: 10.0.0.5:5432 (db.internal): server error: %w", err)
}

func TestClassify(t *testing.T) {
	cert := testCert(t, "db.example.com", time.Now().Add(-time.Hour), "db.example.com")
	pg := func(code, msg string) error {
		return wrapped(&pgconn.PgError{Severity: "FATAL", Code: code, Message: msg})
	}
	verifyFull := &endpoint{Host: "db.internal", Port: 5432, Database: "spacelift", User: "app", SSLMode: "verify-full"}
	prefer := &endpoint{Host: "db.internal", Port: 5432, Database: "spacelift", User: "app", SSLMode: "prefer"}
	loop := &endpoint{Host: "127.0.0.1", Port: 5432, Database: "spacelift", User: "app", SSLMode: "disable"}
	resolving := &endpoint{Host: "db.internal", Port: 5432, SSLMode: "disable"}
	dialing := &endpoint{Host: "db.internal", Port: 5432, SSLMode: "disable", progress: progress{addr: "10.0.0.5:5432"}}
	accepted := &endpoint{Host: "db.internal", Port: 5432, SSLMode: "prefer", progress: progress{addr: "10.0.0.5:5432", tcpUp: true}}
	authing := &endpoint{Host: "db.internal", Port: 5432, SSLMode: "disable", progress: progress{addr: "10.0.0.5:5432", tcpUp: true, answered: true}}

	cases := []struct {
		name     string
		err      error
		ep       *endpoint
		kind     string
		status   checks.Status
		contains []string // in message or advice
	}{
		{"password", pg("28P01", `password authentication failed for user "app"`), verifyFull, kindAuthPassword, checks.Fail, []string{`user "app"`, `ALTER ROLE "app" PASSWORD`}},
		{"pg_hba", pg("28000", `no pg_hba.conf entry for host "10.1.1.1", user "app", database "spacelift", SSL encryption`), verifyFull, kindAuthHBA, checks.Fail, []string{"pg_hba.conf", "hostssl spacelift app"}},
		{"pg_hba no encryption", pg("28000", `no pg_hba.conf entry for host "10.1.1.1", user "app", database "spacelift", no encryption`), prefer, kindAuthHBA, checks.Fail, []string{"sslmode=verify-full"}},
		{"role missing", pg("28000", `role "app" does not exist`), verifyFull, kindAuthRole, checks.Fail, []string{`CREATE ROLE "app" LOGIN`}},
		{"database missing", pg("3D000", `database "spacelift" does not exist`), verifyFull, kindDatabaseMissing, checks.Fail, []string{`CREATE DATABASE "spacelift"`}},
		{"too many connections", pg("53300", "sorry, too many clients already"), verifyFull, kindTooManyConnections, checks.Fail, []string{"max_connections", "too many clients"}},
		{"no connect privilege", pg("42501", `permission denied for database "spacelift"`), verifyFull, kindNoConnectPrivilege, checks.Fail, []string{`GRANT CONNECT ON DATABASE "spacelift" TO "app";`}},
		{"starting up", pg("57P03", "the database system is starting up"), verifyFull, kindNotAccepting, checks.Error, nil},
		{"other server error", pg("XX000", "boom"), verifyFull, kindServerError, checks.Fail, []string{"boom", "XX000"}},
		// With sslmode=prefer pgx joins the TLS attempt's error with the
		// plain attempt's; the server's word must win.
		{"prefer joins errors", errors.Join(wrapped(errors.New("tls error: server refused TLS connection")), pg("28P01", "password authentication failed")), prefer, kindAuthPassword, checks.Fail, nil},
		{"unknown authority", wrapped(fmt.Errorf("tls error: %w", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{Cert: cert}})), verifyFull, kindTLSUnknownCA, checks.Fail, []string{"unknown authority", "sslrootcert", `CN=db.example.com`}},
		// verify-ca returns the x509 error unwrapped from VerifyPeerCertificate.
		{"unknown authority verify-ca", wrapped(fmt.Errorf("tls error: %w", x509.UnknownAuthorityError{})), verifyFull, kindTLSUnknownCA, checks.Fail, nil},
		{"hostname mismatch", wrapped(&tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: cert, Host: "10.0.0.5"}}), verifyFull, kindTLSHostname, checks.Fail, []string{`"10.0.0.5"`, "db.example.com", "verify-ca"}},
		{"expired", wrapped(&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Cert: cert, Reason: x509.Expired}}), verifyFull, kindTLSExpired, checks.Fail, []string{"expired", "db.example.com"}},
		{"not authorized to sign", wrapped(x509.CertificateInvalidError{Cert: cert, Reason: x509.NotAuthorizedToSign}), verifyFull, kindTLSInvalid, checks.Fail, nil},
		{"ssl not supported", wrapped(errors.New("tls error: server refused TLS connection")), verifyFull, kindTLSUnsupported, checks.Fail, []string{"does not support SSL", "sslmode=verify-full"}},
		{"tls alert", wrapped(fmt.Errorf("tls error: %w", tls.AlertError(40))), verifyFull, kindTLS, checks.Fail, nil},
		{"dns not found", wrapped(fmt.Errorf("hostname resolving error: %w", &net.DNSError{Err: "no such host", Name: "db.internal", IsNotFound: true})), verifyFull, kindDNS, checks.Fail, []string{`"db.internal"`, "does not exist in DNS"}},
		{"dns server failure", wrapped(&net.DNSError{Err: "server misbehaving", Name: "db.internal", IsTemporary: true}), verifyFull, kindDNS, checks.Error, []string{"server misbehaving"}},
		{"refused", wrapped(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), verifyFull, kindRefused, checks.Fail, []string{"db.internal:5432", "refused"}},
		{"refused on loopback", wrapped(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), loop, kindRefused, checks.Fail, []string{"127.0.0.1:5432", "refused"}},
		{"unreachable", wrapped(&net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}), verifyFull, kindUnreachable, checks.Error, nil},
		{"dial timeout", wrapped(&net.OpError{Op: "dial", Err: timeoutNetErr{}}), dialing, kindTimeout, checks.Error, []string{"TCP connection to 10.0.0.5:5432 was not answered"}},
		{"accepted but silent", wrapped(context.DeadlineExceeded), accepted, kindTimeout, checks.Error, []string{"accepted the TCP connection", "SSL request"}},
		{"auth stalls", wrapped(context.DeadlineExceeded), authing, kindTimeout, checks.Error, []string{"did not finish setting up"}},
		{"dns stalls", wrapped(context.DeadlineExceeded), resolving, kindTimeout, checks.Error, []string{"DNS lookup"}},
		// A timeout during the SSL request must not read as a TLS failure.
		{"tls stage timeout", wrapped(fmt.Errorf("tls error: %w", timeoutNetErr{})), accepted, kindTimeout, checks.Error, nil},
		{"cancelled", wrapped(context.Canceled), verifyFull, kindInterrupted, checks.Error, nil},
		{"parse error", pgconn.NewParseConfigError("postgres://app:pw@db:99999/x", "invalid port", nil), nil, kindConfig, checks.Fail, []string{"cannot be parsed", "invalid port", "`%` as `%25`"}},
		{"missing sslrootcert", pgconn.NewParseConfigError("postgres://h/db?sslrootcert=/nope", "failed to configure TLS", fmt.Errorf("unable to read CA file: %w", &fs.PathError{Op: "open", Path: "/nope", Err: fs.ErrNotExist})), nil, kindConfig, checks.Fail, []string{"sslrootcert"}},
		{"unknown", wrapped(errors.New("something odd")), verifyFull, kindOther, checks.Error, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := classify(tc.err, tc.ep, 2*time.Second)
			if f.Kind != tc.kind || f.Status != tc.status {
				t.Fatalf("classify = %s/%s, want %s/%s (%s)", f.Kind, f.Status, tc.kind, tc.status, f.Message)
			}
			if f.Message == "" || f.Advice == "" {
				t.Fatalf("empty message or advice: %+v", f)
			}
			text := f.Message + "\n" + f.Advice
			for _, want := range tc.contains {
				if !strings.Contains(text, want) {
					t.Errorf("%q not in:\n%s", want, text)
				}
			}
		})
	}
}

func TestFailureResultScrubsAndStripsConnString(t *testing.T) {
	const pw = "Sup3r-s3cret-pw"
	err := pgconn.NewParseConfigError("postgres://app:"+pw+"@db:99999/x", "invalid port", errors.New("bad port "+pw))
	ep := &endpoint{Host: "db", Port: 5432, Database: "x", User: "app", SSLMode: "prefer"}
	scrub := func(s string) string { return strings.ReplaceAll(s, pw, "[redacted]") }
	res := classify(err, ep, 0).result(ep, err, scrub)
	for _, text := range resultTexts(res) {
		if strings.Contains(text, pw) {
			t.Fatalf("password leaked: %q", text)
		}
		if strings.Contains(text, "app:") && strings.Contains(text, "@db:99999") {
			t.Fatalf("connection string repeated: %q", text)
		}
	}
	if v, _ := res.Details.Get("failure"); v != kindConfig {
		t.Fatalf("failure detail = %q", v)
	}
}

// resultTexts is every human-visible string of a Result.
func resultTexts(r checks.Result) []string {
	out := []string{r.Message, r.Advice}
	for _, d := range r.Details {
		out = append(out, d.Key, d.Value)
	}
	return out
}
