package encryption_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func rsaConfig(t *testing.T, value string, extra map[string]string) *config.Config {
	vars := map[string]string{encryption.TypeVar: "rsa", encryption.RSAPrivateKey: value}
	for k, v := range extra {
		vars[k] = v
	}
	return newConfig(t, vars)
}

func TestRSAKeyCheck(t *testing.T) {
	k4096, k2048 := keys(t)
	p8 := kt.PKCS8PEM(t, k4096)
	fp4096, _ := rsakey.Fingerprint(&k4096.PublicKey)
	cases := []struct {
		name    string
		value   string
		pemText string
		status  checks.Status
		mention []string
		fp      string // expected fingerprint detail, "" = none
	}{
		{"documented pkcs8 4096", kt.B64(p8), p8, checks.Pass, []string{"PKCS#8 RSA 4096-bit", "RS256"}, fp4096},
		{"pkcs8 2048 warns", kt.B64(kt.PKCS8PEM(t, k2048)), kt.PKCS8PEM(t, k2048), checks.Warn, []string{"2048 bits", "openssl req -new -newkey rsa:4096 -nodes"}, "any"},
		{"pkcs1 warns", kt.B64(kt.PKCS1PEM(k4096)), kt.PKCS1PEM(k4096), checks.Warn, []string{"PKCS#1", "openssl pkey -in spacelift.key -out spacelift-pkcs8.key"}, fp4096},
		{"crlf passes", kt.B64(kt.CRLF(p8)), p8, checks.Pass, nil, fp4096},
		{"wrapped base64 warns", kt.Wrapped(p8), p8, checks.Warn, []string{"line breaks", "base64 -w 0"}, fp4096},
		{"raw pem fails", p8, p8, checks.Fail, []string{"PEM text itself", "cat spacelift.key | base64 -w 0"}, fp4096},
		{"double base64 fails", kt.B64(kt.B64(p8)), p8, checks.Fail, []string{"twice"}, fp4096},
		{"not base64 fails", "not//base64!!", "", checks.Fail, []string{"not base64"}, ""},
		{"encrypted fails", kt.B64(kt.EncryptedPKCS1PEM(t, k2048)), "", checks.Fail, []string{"passphrase", "openssl pkey -in spacelift.key -out spacelift-plain.key"}, ""},
		{"ec fails", kt.B64(kt.ECPKCS8PEM(t)), "", checks.Fail, []string{"not an RSA key"}, ""},
		{"ed25519 fails", kt.B64(kt.Ed25519PEM(t)), "", checks.Fail, []string{"Ed25519"}, ""},
		{"public key fails", kt.B64(kt.PublicPEM(t, k2048)), "", checks.Fail, []string{"public key"}, ""},
		{"certificate fails", kt.B64(kt.CertificatePEM(t, k2048)), "", checks.Fail, []string{"certificate"}, ""},
		{"1024 fails", kt.B64(kt.PKCS8PEM(t, kt.GenerateRSA(t, 1024))), "", checks.Fail, []string{"1024 bits"}, "any"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCheck(t, plan(t, rsaConfig(t, c.value, nil)), "encryption.rsa-key", 10*time.Second)
			wantStatus(t, res, c.status, c.mention...)
			if res.Status != checks.Pass && res.Advice == "" {
				t.Error("no advice on a non-pass result")
			}
			got, ok := res.Details.Get("public key SHA-256")
			switch {
			case c.fp == "" && ok:
				t.Errorf("fingerprint detail without a parsed key: %s", got)
			case c.fp == "any" && (!ok || len(got) != 64):
				t.Errorf("fingerprint detail %q", got)
			case c.fp != "" && c.fp != "any" && got != c.fp:
				t.Errorf("fingerprint %q, want %q", got, c.fp)
			}
			if c.status == checks.Pass && !strings.Contains(detail(t, res, "self-test"), "AES-256-GCM") {
				t.Error("self-test detail missing")
			}
			assertNoSecret(t, res, c.value, c.pemText)
		})
	}
}

func TestRSAKeyCheckRejectsInconsistentKey(t *testing.T) {
	k4096, _ := keys(t)
	// A key whose private exponent no longer matches the modulus, as a
	// corrupted copy would have.
	bad := *k4096
	bad.D = new(big.Int).Add(k4096.D, big.NewInt(2))
	bad.Precomputed = rsa.PrecomputedValues{}
	der := x509.MarshalPKCS1PrivateKey(&bad)
	value := kt.B64(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})))
	res := runCheck(t, plan(t, rsaConfig(t, value, nil)), "encryption.rsa-key", 10*time.Second)
	wantStatus(t, res, checks.Fail)
	if _, ok := res.Details.Get("self-test"); ok {
		t.Error("a corrupt key must not reach the self-test")
	}
	assertNoSecret(t, res, value)
}

func TestDisabledOutsideRSAMode(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		id   string
		want string
	}{
		{map[string]string{}, "encryption.rsa-key", "ENCRYPTION_TYPE is unset, which means kms"},
		{map[string]string{encryption.TypeVar: "kms"}, "encryption.rsa-key", "ENCRYPTION_TYPE is kms"},
		{map[string]string{encryption.TypeVar: "rsa"}, "encryption.rsa-key", "ENCRYPTION_RSA_PRIVATE_KEY is not set"},
		{map[string]string{encryption.TypeVar: "rsa"}, "encryption.kms-key", "ENCRYPTION_TYPE is rsa"},
		{map[string]string{encryption.TypeVar: "rsa"}, "encryption.kms-signing-key", "ENCRYPTION_TYPE is rsa"},
		{map[string]string{encryption.TypeVar: "kms"}, "encryption.kms-key", "ENCRYPTION_KMS_ENCRYPTION_KEY_ID is not set"},
		{map[string]string{encryption.TypeVar: "kms"}, "jwt.keypair", "ENCRYPTION_KMS_SIGNING_KEY_ID is not set"},
	} {
		chk := find(t, plan(t, newConfig(t, c.vars)), c.id)
		if !strings.Contains(chk.Disabled, c.want) {
			t.Errorf("%s disabled = %q, want %q", chk.ID, chk.Disabled, c.want)
		}
	}
}

func TestJWTKeypairRSA(t *testing.T) {
	k4096, k2048 := keys(t)
	value := kt.B64(kt.PKCS8PEM(t, k4096))
	fp, _ := rsakey.Fingerprint(&k4096.PublicKey)
	otherFP, _ := rsakey.Fingerprint(&k2048.PublicKey)
	pubPEM := kt.PublicPEM(t, k4096)
	cases := []struct {
		name     string
		expected string
		status   checks.Status
		mention  []string
	}{
		{"no expected key", "", checks.Pass, []string{fp}},
		{"matching PEM", pubPEM, checks.Pass, []string{"matches SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY (PEM block 1)"}},
		{"matching base64 PEM", kt.B64(pubPEM), checks.Pass, []string{"matches"}},
		{"matching certificate", kt.CertificatePEM(t, k4096), checks.Pass, []string{"certificate"}},
		{"matching JWK", jwk(t, &k4096.PublicKey, "k1"), checks.Pass, []string{"JWK (kid=k1)"}},
		{"matching key in JWKS", `{"keys":[` + jwk(t, &k2048.PublicKey, "old") + "," + jwk(t, &k4096.PublicKey, "new") + `]}`, checks.Pass, []string{"JWKS key 2 (kid=new)"}},
		{"mismatching PEM", kt.PublicPEM(t, k2048), checks.Fail, []string{"keypair mismatch", fp, otherFP}},
		{"mismatching JWKS", `{"keys":[` + jwk(t, &k2048.PublicKey, "old") + `]}`, checks.Fail, []string{"keypair mismatch", fp, "kid=old", otherFP}},
		{"private key given", kt.PKCS8PEM(t, k2048), checks.Fail, []string{"cannot be read", "private key"}},
		{"garbage", "hello", checks.Fail, []string{"cannot be read"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := map[string]string{}
			if c.expected != "" {
				extra[jwt.PublicKeyVar] = c.expected
			}
			res := runCheck(t, plan(t, rsaConfig(t, value, extra)), "jwt.keypair", 10*time.Second)
			wantStatus(t, res, c.status, c.mention...)
			if got := detail(t, res, "signing public key SHA-256"); got != fp {
				t.Errorf("signing fingerprint %s, want %s", got, fp)
			}
			assertNoSecret(t, res, value, kt.PKCS8PEM(t, k4096), kt.PKCS8PEM(t, k2048))
		})
	}
}

// TestJWTKeypairNeedsRSAKey runs the real runner: a broken key blocks the
// key-pair check instead of failing it twice.
func TestJWTKeypairNeedsRSAKey(t *testing.T) {
	p := plan(t, rsaConfig(t, "not base64!", nil))
	out := checks.Run(context.Background(), p.Checks(), checks.RunOptions{CheckTimeout: 10 * time.Second})
	got := map[string]checks.Result{}
	for _, o := range out {
		got[o.Check.ID] = o.Result
	}
	if got["encryption.rsa-key"].Status != checks.Fail {
		t.Fatalf("rsa-key: %s", got["encryption.rsa-key"].Status)
	}
	if r := got["jwt.keypair"]; r.Status != checks.Skip || len(r.BlockedBy) != 1 || r.BlockedBy[0] != "encryption.rsa-key" {
		t.Fatalf("jwt.keypair: %s %v", r.Status, r.BlockedBy)
	}
}

func jwk(t *testing.T, pub *rsa.PublicKey, kid string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryCheckHasADocPage(t *testing.T) {
	for _, c := range plan(t, newConfig(t, nil)).Checks() {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "checks", c.DocPage()+".md"))
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		for _, section := range []string{"# " + c.ID + " — ", "## What it checks", "## Why Spacelift needs it", "## Verdicts", "## How to fix"} {
			if !strings.Contains(string(b), section) {
				t.Errorf("%s: doc page lacks %q", c.ID, section)
			}
		}
	}
}
