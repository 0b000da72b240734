package rootcas

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func certPEM(t *testing.T, ca bool, notAfter time.Time) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: notAfter, IsCA: ca, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestParse(t *testing.T) {
	good := certPEM(t, true, now.AddDate(1, 0, 0))
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name   string
		value  string
		certs  int
		fatal  bool
		wanted string
	}{
		{"one CA", Encode(good), 1, false, ""},
		{"a chain in one entry and a second entry", Encode(append(append([]byte{}, good...), certPEM(t, true, now.AddDate(2, 0, 0))...), good), 3, false, ""},
		{"wrapped at 76 columns, as base64 without -w0 writes it", wrap(Encode(good)), 1, false, ""},
		{"pretty-printed JSON", b64([]byte("{\n  \"caCertificates\": [\n    \"" + b64(good) + "\"\n  ]\n}\n")), 1, false, ""},
		{"not base64", "this is {not} base64!", 0, true, "not base64"},
		{"the PEM itself, not encoded", string(good), 0, true, "not base64"},
		{"base64 of the PEM, not of the JSON", b64(good), 0, true, "not to a JSON object"},
		{"JSON without the list", b64([]byte(`{"certificates":[]}`)), 0, true, "no caCertificates list"},
		{"an entry that is not base64", b64([]byte(`{"caCertificates":["%%%"]}`)), 0, true, "entry 1 is not base64"},
		{"an entry that is a key", Encode([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")), 0, true, "private key block, not a CERTIFICATE"},
		{"an entry with no PEM", Encode([]byte("hello")), 0, true, "holds no PEM CERTIFICATE block"},
		{"an expired CA", Encode(certPEM(t, true, now.Add(-time.Hour))), 1, true, "expired on"},
		{"a CA expiring soon warns", Encode(certPEM(t, true, now.AddDate(0, 0, 10))), 1, false, "within 30 days"},
		{"a leaf certificate warns", Encode(certPEM(t, false, now.AddDate(1, 0, 0))), 1, false, "not a CA certificate"},
		{"an empty list warns", b64([]byte(`{"caCertificates":[]}`)), 0, false, "is empty"},
		{"an unknown key warns", b64([]byte(`{"caCertificates":["` + b64(good) + `"],"ServerCertificateSecretsManagerArn":"x"}`)), 1, false, "does not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ps := ParseAt(tc.value, now)
			if len(b.Certs) != tc.certs {
				t.Errorf("%d certificates, want %d", len(b.Certs), tc.certs)
			}
			fatal, text := false, ""
			for _, p := range ps {
				fatal = fatal || p.Fatal
				text += p.Message + "; "
				if p.Advice == "" {
					t.Errorf("problem without advice: %s", p.Message)
				}
			}
			if fatal != tc.fatal || (tc.wanted == "") != (len(ps) == 0) || !strings.Contains(text, tc.wanted) {
				t.Errorf("problems %q (fatal %v), want %q (fatal %v)", text, fatal, tc.wanted, tc.fatal)
			}
		})
	}
}

func TestPoolTrustsTheBundle(t *testing.T) {
	pemData := certPEM(t, true, now.AddDate(1, 0, 0))
	b, _ := ParseAt(Encode(pemData), now)
	blk, _ := pem.Decode(pemData)
	c, _ := x509.ParseCertificate(blk.Bytes)
	if _, err := c.Verify(x509.VerifyOptions{Roots: b.Pool(), CurrentTime: now}); err != nil {
		t.Fatalf("the pool does not trust the bundle's CA: %v", err)
	}
	if !strings.Contains(b.Describe(), "plus 1 CA certificate") {
		t.Errorf("describe: %s", b.Describe())
	}
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return b.String() + s + "\n"
}
