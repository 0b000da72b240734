package jws_test

import (
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// FuzzParseExpected: no input panics the reader of
// SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY, a parsed key always has a label and a
// key, and errors never quote the input.
func FuzzParseExpected(f *testing.F) {
	k := kt.GenerateRSA(f, 1024)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	jwk := `{"kty":"RSA","kid":"a","n":"` + base64.RawURLEncoding.EncodeToString(k.N.Bytes()) + `","e":"` +
		base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()) + `"}`
	for _, s := range []string{
		kt.PublicPEM(f, k), kt.PublicPKCS1PEM(k), kt.CertificatePEM(f, k), jwk, `{"keys":[` + jwk + `]}`,
		base64.StdEncoding.EncodeToString(der), kt.B64(kt.PublicPEM(f, k)),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := jws.ParseExpected(in)
		if err != nil {
			if got != nil {
				t.Fatal("keys returned with an error")
			}
			for _, v := range secret.Variants(in) {
				if len(v) > 48 && strings.Contains(err.Error(), v) {
					t.Fatalf("error quotes %d characters of the input", len(v))
				}
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no error and no key")
		}
		for _, e := range got {
			if e.Key == nil || e.Label == "" {
				t.Fatalf("incomplete %+v", e)
			}
		}
	})
}
