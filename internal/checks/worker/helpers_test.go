package worker

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// testConfig builds a configuration as the CLI's union catalog would
// accept it: the worker's variables and the server side's it reads.
func testConfig(t testing.TB, vars map[string]string) *config.Config {
	t.Helper()
	return msgtest.Config(t, vars, Backend{}, configcheck.Backend{}, mqtt.Backend{}, storage.Backend{}, awsenv.Backend{}, queue.Backend{})
}

// run registers the worker checks with d and runs one through the real
// runner (unscrubbed, so a leak is caught).
func run(t *testing.T, id string, vars map[string]string, d deps) checks.Outcome {
	t.Helper()
	p := &checks.Plan{}
	register(p, testConfig(t, vars), d)
	o := msgtest.Run(t, p, 15*time.Second, id)[id]
	t.Logf("%s: %s (%s)\n%s", id, o.Result.Status, o.Duration.Round(time.Millisecond), msgtest.Text(o.Result))
	return o
}

// testDeps are the default seams with a dialer that sends the hosts of
// names to their loopback addresses (a hosts file for the test), and
// names ending in .missing.test nowhere.
func testDeps(names map[string]string) deps {
	d := defaultDeps()
	var dialer net.Dialer
	d.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(host, ".missing.test") {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}
		if a, ok := names[addr]; ok {
			return dialer.DialContext(ctx, network, a)
		}
		if a, ok := names[host]; ok {
			return dialer.DialContext(ctx, network, net.JoinHostPort(a, port))
		}
		return dialer.DialContext(ctx, network, addr)
	}
	d.lookupHost = func(_ context.Context, host string) ([]string, error) {
		if strings.HasSuffix(host, ".missing.test") {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []string{"127.0.0.1"}, nil
	}
	return d
}

// testCA is a private CA made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t testing.TB, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a server certificate for the names, valid for validFor.
func (ca testCA) leaf(t testing.TB, validFor time.Duration, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor), DNSNames: names,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// dir writes the CA as ca.pem in a new directory, as the controller's
// /opt/spacelift/certs holds it.
func (ca testCA) dir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.WriteFile(filepath.Join(d, "ca.pem"), ca.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// httpsServer serves h over TLS with cert on a loopback port.
func httpsServer(t testing.TB, cert tls.Certificate, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	// Rejected handshakes are the point of some tests, not noise to log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// vars builds a map from name/value pairs.
func vars(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
