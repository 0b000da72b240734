package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// expiryWarning is how close to its expiry a certificate draws a warning.
const expiryWarning = 30 * 24 * time.Hour

// tlsSetup is the client side of the handshake and what it learned.
type tlsSetup struct {
	conf     *tls.Config
	caSource string // "system roots" or the CA file
	// userCA is set when the operator named the CA to trust (the check's CA
	// file or ADDITIONAL_ROOT_CAS): an unknown authority is then a real
	// failure, not a question of what workers trust.
	userCA     bool
	clientCert *x509.Certificate
	// verified is set once the broker's chain and hostname checked out,
	// which Go does before it answers a request for a client certificate;
	// a later rejection is then about us, not about the broker's cert.
	verified bool
	// requested is set when the broker asked for a client certificate
	// during the handshake: it uses (possibly optional) mutual TLS.
	requested bool
	// negotiated is the ALPN protocol the server chose, learnt when its
	// certificate was verified, so it is known even when the handshake
	// fails later for want of a client certificate.
	negotiated string
}

// newTLSSetup builds the TLS client configuration: the configured CA file
// (SPACECTL_PREFLIGHT_MQTT_CA_FILE) as the only trusted root, or the
// trusted roots given (by default what Spacelift's services trust: the
// system roots, which honour SSL_CERT_FILE and SSL_CERT_DIR, plus
// ADDITIONAL_ROOT_CAS); the hostname always checked; a client certificate
// when one is configured; the ALPN protocol the endpoint needs (IoT Core
// on 443).
func newTLSSetup(cfg *config.Config, t target, now func() time.Time, trust Trust) (*tlsSetup, error) {
	s := &tlsSetup{caSource: trust.Describe, userCA: trust.UserCA}
	s.conf = &tls.Config{ServerName: t.host, MinVersion: tls.VersionTLS12, Time: now, RootCAs: trust.Pool}
	if t.alpn != "" {
		s.conf.NextProtos = []string{t.alpn}
	}
	if f := cfg.Get(ClientCAFile); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", ClientCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s=%s holds no PEM certificate", ClientCAFile, f)
		}
		s.conf.RootCAs, s.caSource, s.userCA = pool, f, true
	}
	certFile, keyFile := cfg.Get(ClientCertFile), cfg.Get(ClientKeyFile)
	// Answering the request ourselves tells us the broker made one.
	own := &tls.Certificate{}
	s.conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		s.requested = true
		return own, nil
	}
	switch {
	case certFile != "" && keyFile != "":
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load the client certificate (%s, %s): %w", ClientCertFile, ClientKeyFile, err)
		}
		own = &pair
		s.clientCert = pair.Leaf
		if s.clientCert == nil && len(pair.Certificate) > 0 {
			s.clientCert, _ = x509.ParseCertificate(pair.Certificate[0])
		}
	case certFile != "" || keyFile != "":
		return nil, fmt.Errorf("set both %s and %s for a client certificate", ClientCertFile, ClientKeyFile)
	}
	s.conf.VerifyConnection = func(cs tls.ConnectionState) error {
		s.verified, s.negotiated = true, cs.NegotiatedProtocol
		return nil
	}
	return s, nil
}

// tlsProblem explains a failed handshake (or a TLS error that surfaced on
// the first read, as a TLS 1.3 client-certificate rejection does): what
// went wrong and how to fix it.
func tlsProblem(err error, host string, s *tlsSetup) (msg, advice string) {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var recHdr tls.RecordHeaderError
	caAdvice := "Workers must trust the broker's certificate. If a private CA signed it, give Spacelift's services that CA in ADDITIONAL_ROOT_CAS " +
		"(this check trusts it too) or point " + ClientCAFile + " at its PEM file for this check, and make workers trust the same CA " +
		"(system trust store on VM workers, /opt/spacelift/certs for the Kubernetes controller); otherwise serve the full chain from a publicly trusted CA."
	switch {
	case errors.As(err, &unknown):
		issuer := "unknown issuer"
		if unknown.Cert != nil {
			issuer = "issuer " + unknown.Cert.Issuer.String()
		}
		return fmt.Sprintf("the broker's certificate is not trusted by %s (%s)", s.caSource, issuer), caAdvice
	case errors.As(err, &hostErr):
		names := "no names"
		if hostErr.Certificate != nil {
			names = certNames(hostErr.Certificate)
		}
		return fmt.Sprintf("the broker's certificate does not cover %s (it names %s)", host, names),
			"Issue the broker certificate for the host in MQTT_BROKER_ENDPOINT (as a DNS or IP subjectAltName), or set MQTT_BROKER_ENDPOINT to a name the certificate covers."
	case errors.As(err, &invalid):
		return "the broker's certificate is not valid: " + invalid.Error(), "Renew the broker certificate (or fix the clock of this machine if it is wrong)."
	case strings.Contains(err.Error(), "no application protocol"):
		return "the endpoint refused the ALPN protocol " + iotCoreALPN + ": it is not IoT Core's MQTT endpoint on 443",
			"Set MQTT_BROKER_ENDPOINT to the account's iot:Data-ATS endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS); on 443, IoT Core serves MQTT only with ALPN " + iotCoreALPN + "."
	case errors.As(err, &recHdr):
		return "the broker did not answer with TLS (is this a plain-TCP MQTT port?)",
			"Point MQTT_BROKER_ENDPOINT at the broker's TLS port, or, if the broker really speaks plain TCP here, note that Spacelift workers connect with TLS (tls://HOST:PORT)."
	case s.requested && s.clientCert == nil && (isAlert(err, &alert) || closedByPeer(err)):
		return "the broker requires a client certificate (mutual TLS: it asked for one during the handshake, then dropped the connection) and none is configured",
			"Set " + ClientCertFile + " and " + ClientKeyFile + " to a certificate the broker accepts (signed by the CA it trusts for clients); workers need one too."
	case s.clientCert != nil && (isAlert(err, &alert) || closedByPeer(err)) && s.verified:
		return "the broker rejected the client certificate " + s.clientCert.Subject.String() + " (" + err.Error() + ")",
			"Use a client certificate signed by the CA the broker trusts for clients, with the clientAuth extended key usage, and not expired."
	case isAlert(err, &alert):
		return "the broker aborted the TLS handshake: " + err.Error(), "Compare the TLS versions and cipher suites the broker accepts with TLS 1.2/1.3, and check its log."
	case closedByPeer(err) && !s.verified:
		return "the broker did not answer with TLS: it closed the connection before sending a certificate (a plain-TCP MQTT port does this)",
			"Point MQTT_BROKER_ENDPOINT at the broker's TLS port, or, if the broker really speaks plain TCP here, note that Spacelift workers connect with TLS (tls://HOST:PORT)."
	case closedByPeer(err):
		return "the broker closed the TLS connection without a reason", "Check the broker's log for why it drops the connection (client certificate, TLS version)."
	}
	return "TLS handshake failed: " + err.Error(), caAdvice
}

func isAlert(err error, alert *tls.AlertError) bool {
	return errors.As(err, alert) || strings.Contains(err.Error(), "remote error: tls:")
}

// closedByPeer reports an EOF or reset: the broker hung up.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") || isReset(err)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (strings.Contains(op.Err.Error(), "reset") || strings.Contains(op.Err.Error(), "broken pipe"))
}

func certNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, "CN="+c.Subject.CommonName+" (no subjectAltName)")
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}
