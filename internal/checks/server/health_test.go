package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
)

func run(t *testing.T, domain string, stage checks.Stage, d deps, timeout time.Duration) checks.Outcome {
	t.Helper()
	vars := map[string]string{}
	if domain != "" {
		vars[configcheck.ServerDomain] = domain
	}
	cfg := msgtest.Config(t, vars, Backend{}, configcheck.Backend{})
	p := &checks.Plan{}
	register(p, cfg, checks.Options{Stage: stage}, d)
	start := time.Now()
	o := msgtest.Run(t, p, timeout)[HealthID]
	if el := time.Since(start); el > timeout+time.Second {
		t.Errorf("took %s, more than the %s deadline + 1s", el, timeout)
	}
	t.Logf("%s: %s\n%s", HealthID, o.Result.Status, msgtest.Text(o.Result))
	return o
}

// testCA makes a CA and a server certificate for 127.0.0.1 valid for
// validFor.
func testCA(t *testing.T, validFor time.Duration) (*x509.CertPool, tls.Certificate, []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "health test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "spacelift.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func serve(t *testing.T, cert tls.Certificate, h http.HandlerFunc) string {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

func TestHealth(t *testing.T) {
	pool, cert, _ := testCA(t, 200*24*time.Hour)
	var hits atomic.Int32
	ok := serve(t, cert, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			hits.Add(1)
			_, _ = w.Write([]byte("ok"))
			return
		}
		http.NotFound(w, r)
	})
	down := serve(t, cert, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	redirect := serve(t, cert, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://sso.example.com/login", http.StatusFound)
	})
	soonPool, soonCert, _ := testCA(t, 5*24*time.Hour)
	soon := serve(t, soonCert, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	_ = l.Close()
	silentL, _ := net.Listen("tcp", "127.0.0.1:0")
	t.Cleanup(func() { _ = silentL.Close() })
	go func() {
		for {
			c, err := silentL.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()

	trusted := deps{rootCAs: pool, now: time.Now}
	for _, tc := range []struct {
		name   string
		domain string
		d      deps
		status checks.Status
		wants  []string
	}{
		{"healthy", ok, trusted, checks.Pass, []string{"answers 200 at https://" + ok + "/health", "health test CA"}},
		{"domain written with a scheme", "https://" + ok + "/", trusted, checks.Pass, nil},
		{"unhealthy", down, trusted, checks.Fail, []string{"answered 503 Service Unavailable"}},
		{"redirected", redirect, trusted, checks.Fail, []string{"redirects to https://sso.example.com/login"}},
		{"untrusted certificate", ok, deps{now: time.Now}, checks.Fail, []string{"is not trusted by system roots", "publicly trusted CA", "ADDITIONAL_ROOT_CAS", "/opt/spacelift/certs"}},
		{"certificate expiring soon", soon, deps{rootCAs: soonPool, now: time.Now}, checks.Warn, []string{"expires in 4 days"}},
		{"nothing listening", closed, trusted, checks.Fail, []string{"connection refused"}},
		{"never answers", silentL.Addr().String(), trusted, checks.Fail, []string{"did not answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hits.Load()
			o := run(t, tc.domain, checks.PostInstall, tc.d, 2*time.Second)
			msgtest.Expect(t, HealthID, o, tc.status, tc.wants...)
			if strings.Contains(tc.domain, ok) && tc.status == checks.Pass && hits.Load() != before+1 {
				t.Error("passed without asking /health")
			}
		})
	}
}

// A private CA given to Spacelift's services in ADDITIONAL_ROOT_CAS is
// trusted here too: workers and services can trust private CAs.
func TestHealthTrustsAdditionalRootCAs(t *testing.T) {
	_, cert, caPEM := testCA(t, 200*24*time.Hour)
	ok := serve(t, cert, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	cfg := msgtest.Config(t, map[string]string{configcheck.ServerDomain: ok, rootcas.Var: rootcas.Encode(caPEM)}, Backend{}, configcheck.Backend{})
	p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{Stage: checks.PostInstall})
	o := msgtest.Run(t, p, 2*time.Second, HealthID)[HealthID]
	msgtest.Expect(t, HealthID, o, checks.Pass, "trusted roots: system roots plus 1 CA certificate(s) from ADDITIONAL_ROOT_CAS")
}

// Before installation server.health only resolves SERVER_DOMAIN: a name
// that does not resolve (yet) warns, and nothing connects to it.
func TestHealthBeforeInstallResolvesTheName(t *testing.T) {
	o := run(t, "localhost", checks.PreInstall, deps{now: time.Now}, 2*time.Second)
	msgtest.Expect(t, HealthID, o, checks.Pass, "SERVER_DOMAIN localhost resolves to", "--stage post-install")
	var asked []string
	d := deps{now: time.Now, lookupHost: func(_ context.Context, host string) ([]string, error) {
		asked = append(asked, host)
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}
	o = run(t, "https://spacelift.example.com/", checks.PreInstall, d, time.Second)
	msgtest.Expect(t, HealthID, o, checks.Warn, "spacelift.example.com does not resolve from here (no such host)", "Create the DNS record")
	if len(asked) != 1 || asked[0] != "spacelift.example.com" {
		t.Errorf("looked up %q", asked)
	}
}

func TestHealthDisabled(t *testing.T) {
	o := run(t, "", checks.PostInstall, deps{now: time.Now}, time.Second)
	msgtest.Expect(t, HealthID, o, checks.Skip, "SERVER_DOMAIN is not set")
}

func TestPublicAPI(t *testing.T) {
	_, cert, caPEM := testCA(t, 200*24*time.Hour)
	up := serve(t, cert, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	closed := testsvc.ClosedAddr(t)
	run := func(api string, stage checks.Stage) checks.Outcome {
		cfg := msgtest.Config(t, map[string]string{configcheck.SpaceliftPublicAPIVar: api, rootcas.Var: rootcas.Encode(caPEM)}, Backend{}, configcheck.Backend{})
		p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{Stage: stage})
		o := msgtest.Run(t, p, 2*time.Second, PublicAPIID)[PublicAPIID]
		t.Logf("%s: %s\n%s", PublicAPIID, o.Result.Status, msgtest.Text(o.Result))
		return o
	}
	msgtest.Expect(t, PublicAPIID, run("https://"+up, checks.PostInstall), checks.Pass, "answers over HTTPS (404 Not Found)")
	msgtest.Expect(t, PublicAPIID, run("https://"+closed, checks.PostInstall), checks.Warn, "connection refused", "Usage reports are lost")
	msgtest.Expect(t, PublicAPIID, run("https://"+up, checks.PreInstall), checks.Skip, "--stage post-install")
}

// TestHealthRecordsTheCertificateForMetrics: the machine-readable evidence
// names the endpoint as configured (HTTPS port added when SERVER_DOMAIN has
// none) and the certificate's exact expiry.
func TestHealthRecordsTheCertificateForMetrics(t *testing.T) {
	pool, cert, _ := testCA(t, 90*24*time.Hour)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	ok := serve(t, cert, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	o := run(t, ok, checks.PostInstall, deps{rootCAs: pool, now: time.Now}, 2*time.Second)
	ep, _ := o.Result.Details.Get(checks.EvidenceTLSEndpoint)
	na, _ := o.Result.Details.Get(checks.EvidenceCertNotAfter)
	if ep != ok || na != leaf.NotAfter.UTC().Format(time.RFC3339) {
		t.Errorf("evidence endpoint %q, not after %q; want %q and %s", ep, na, ok, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	for domain, want := range map[string]string{"spacelift.example.com": "spacelift.example.com:443", "spacelift.example.com:8443": "spacelift.example.com:8443"} {
		if got := hostPort(domain); got != want {
			t.Errorf("hostPort(%q) = %q, want %q", domain, got, want)
		}
	}
}
