package jws_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() { testKey = kt.GenerateRSA(t, 2048) })
	if testKey == nil {
		t.Fatal("key generation failed earlier")
	}
	return testKey
}

func TestSigningInputIsJWTShaped(t *testing.T) {
	in := string(jws.SigningInput(jws.PS256, time.Unix(1700000000, 0), "nonce"))
	parts := strings.Split(in, ".")
	if len(parts) != 2 {
		t.Fatalf("want header.payload, got %q", in)
	}
	var header, claims map[string]any
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	if header["alg"] != "PS256" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 60 || claims["jti"] != "nonce" {
		t.Errorf("claims %v", claims)
	}
}

func TestVerify(t *testing.T) {
	k := key(t)
	other := kt.GenerateRSA(t, 2048)
	in := jws.SigningInput(jws.RS256, time.Now(), "n")
	rs, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, jws.Digest(in))
	ps, _ := rsa.SignPSS(rand.Reader, k, crypto.SHA256, jws.Digest(in), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	psMax, _ := rsa.SignPSS(rand.Reader, k, crypto.SHA256, jws.Digest(in), nil)
	for _, c := range []struct {
		name string
		pub  *rsa.PublicKey
		alg  string
		in   []byte
		sig  []byte
		ok   bool
	}{
		{"RS256", &k.PublicKey, jws.RS256, in, rs, true},
		{"PS256", &k.PublicKey, jws.PS256, in, ps, true},
		{"PS256 max salt", &k.PublicKey, jws.PS256, in, psMax, true},
		{"RS256 other key", &other.PublicKey, jws.RS256, in, rs, false},
		{"RS256 tampered", &k.PublicKey, jws.RS256, append([]byte("x"), in...), rs, false},
		{"PS256 signature as RS256", &k.PublicKey, jws.RS256, in, ps, false},
		{"unknown alg", &k.PublicKey, "HS256", in, rs, false},
		{"nil key", nil, jws.RS256, in, rs, false},
	} {
		if err := jws.Verify(c.pub, c.alg, c.in, c.sig); (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestParseExpected(t *testing.T) {
	k := key(t)
	pubPEM := kt.PublicPEM(t, k)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	certPEM := kt.CertificatePEM(t, k)
	certBlock, _ := pem.Decode([]byte(certPEM))
	rsaJWK := mustJSON(t, map[string]string{"kty": "RSA", "kid": "k1", "n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes())})
	ecPoint, _ := ec.PublicKey.Bytes() // 0x04 || X || Y
	ecJWK := mustJSON(t, map[string]string{"kty": "EC", "crv": "P-256", "x": b64u(ecPoint[1:33]), "y": b64u(ecPoint[33:])})
	edJWK := mustJSON(t, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64u(ed)})
	privPEM := kt.PKCS8PEM(t, k)

	cases := []struct {
		name   string
		in     string
		labels []string
		err    string
	}{
		{"pkix pem", pubPEM, []string{"PEM block 1"}, ""},
		{"pkcs1 pem", kt.PublicPKCS1PEM(k), []string{"PEM block 1"}, ""},
		{"certificate", certPEM, []string{"PEM block 1 (certificate)"}, ""},
		{"two blocks", pubPEM + string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})), []string{"PEM block 1", "PEM block 2"}, ""},
		{"base64 pem", base64.StdEncoding.EncodeToString([]byte(pubPEM)), []string{"PEM block 1"}, ""},
		{"base64 der", base64.StdEncoding.EncodeToString(der), []string{"DER public key"}, ""},
		{"rsa jwk", rsaJWK, []string{"JWK (kid=k1)"}, ""},
		{"base64url jwk", base64.RawURLEncoding.EncodeToString([]byte(rsaJWK)), []string{"JWK (kid=k1)"}, ""},
		{"ec jwk", ecJWK, []string{"JWK"}, ""},
		{"ed25519 jwk", edJWK, []string{"JWK"}, ""},
		{"x5c jwk", mustJSON(t, map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(certBlock.Bytes)}}), []string{"JWK"}, ""},
		{"jwks", `{"keys":[` + ecJWK + `,` + rsaJWK + `]}`, []string{"JWKS key 1", "JWKS key 2 (kid=k1)"}, ""},
		{"private pem", privPEM, nil, "private key"},
		{"private jwk", mustJSON(t, map[string]string{"kty": "RSA", "n": b64u(k.N.Bytes()), "e": "AQAB", "d": b64u(k.D.Bytes())}), nil, "private key"},
		{"empty jwks", `{"keys":[]}`, nil, "no keys"},
		{"bad json", `{"kty":`, nil, "does not parse"},
		{"unknown kty", `{"kty":"oct","k":"AAAA"}`, nil, "unsupported key type"},
		{"ec point off curve", mustJSON(t, map[string]string{"kty": "EC", "crv": "P-256", "x": b64u(make([]byte, 32)), "y": b64u(append(make([]byte, 31), 2))}), nil, "not on the curve"},
		{"ec short coordinate", mustJSON(t, map[string]string{"kty": "EC", "crv": "P-256", "x": b64u([]byte{1}), "y": b64u([]byte{2})}), nil, "bad \"x\" or \"y\""},
		{"garbage", "hello world", nil, "neither"},
		{"empty", "  ", nil, "empty"},
		{"csr", kt.CSRPEM(t, k), nil, "not a public key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := jws.ParseExpected(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				for _, v := range secret.Variants(c.in) {
					if len(v) > 48 && strings.Contains(err.Error(), v) {
						t.Fatal("error quotes the input")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, e := range got {
				labels = append(labels, e.Label)
				if e.Key == nil {
					t.Error("nil key")
				}
			}
			if strings.Join(labels, "|") != strings.Join(c.labels, "|") {
				t.Errorf("labels %q, want %q", labels, c.labels)
			}
		})
	}
	// The RSA forms all yield the very key.
	for _, in := range []string{pubPEM, rsaJWK, certPEM} {
		got, err := jws.ParseExpected(in)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := got[0].Key.(*rsa.PublicKey); !ok || !p.Equal(&k.PublicKey) {
			t.Errorf("%.20q did not yield the key", in)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
