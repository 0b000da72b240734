package jws

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Expected is one public key the operator says Spacelift signs with.
type Expected struct {
	// Key is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Key any
	// Label says where in the input it came from ("PEM block 1",
	// "JWKS key 2 (kid=abc)").
	Label string
}

// maxKeys bounds how much of a large JWKS is read.
const maxKeys = 32

// ParseExpected reads SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY: a PEM public key
// (PKIX "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY") or certificate, a JWK, a
// JWKS, or base64 of any of these. Errors never quote the input.
func ParseExpected(text string) ([]Expected, error) {
	return parseExpected([]byte(strings.TrimSpace(text)), true)
}

func parseExpected(data []byte, allowBase64 bool) ([]Expected, error) {
	switch {
	case len(data) == 0:
		return nil, errors.New("it is empty")
	case bytes.Contains(data, []byte("-----BEGIN")):
		return parsePEM(data)
	case data[0] == '{':
		return parseJWKText(data)
	}
	if allowBase64 {
		compact := strings.Join(strings.Fields(string(data)), "")
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			dec, err := enc.DecodeString(compact)
			if err != nil {
				continue
			}
			dec = bytes.TrimSpace(dec)
			if bytes.Contains(dec, []byte("-----BEGIN")) || (len(dec) > 0 && dec[0] == '{') {
				return parseExpected(dec, false)
			}
			if pub, err := x509.ParsePKIXPublicKey(dec); err == nil {
				return []Expected{{Key: pub, Label: "DER public key"}}, nil
			}
		}
	}
	return nil, errors.New("it is neither a PEM public key or certificate, nor a JWK or JWKS (JSON), nor base64 of one")
}

func parsePEM(data []byte) ([]Expected, error) {
	var out []Expected
	rest := data
	for i := 1; len(out) < maxKeys; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		label := fmt.Sprintf("PEM block %d", i)
		switch b.Type {
		case "PUBLIC KEY":
			pub, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s (PUBLIC KEY) does not parse: %v", label, shortErr(err))
			}
			out = append(out, Expected{pub, label})
		case "RSA PUBLIC KEY":
			pub, err := x509.ParsePKCS1PublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s (RSA PUBLIC KEY) does not parse: %v", label, shortErr(err))
			}
			out = append(out, Expected{pub, label})
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s (CERTIFICATE) does not parse: %v", label, shortErr(err))
			}
			out = append(out, Expected{c.PublicKey, label + " (certificate)"})
		default:
			if strings.HasSuffix(b.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("%s is a private key; give only the public key (openssl pkey -in spacelift.key -pubout)", label)
			}
			return nil, fmt.Errorf("%s is a %q block, not a public key or certificate", label, sanitize(b.Type))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("it has a -----BEGIN line but no decodable PEM block")
	}
	return out, nil
}

type jwk struct {
	Kty string   `json:"kty"`
	Kid string   `json:"kid"`
	N   string   `json:"n"`
	E   string   `json:"e"`
	Crv string   `json:"crv"`
	X   string   `json:"x"`
	Y   string   `json:"y"`
	D   string   `json:"d"`
	X5c []string `json:"x5c"`
}

func parseJWKText(data []byte) ([]Expected, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("it looks like JSON but does not parse: %v", shortErr(err))
	}
	if set.Keys == nil {
		k, err := parseJWK(data)
		if err != nil {
			return nil, fmt.Errorf("JWK: %v", err)
		}
		return []Expected{{k, "JWK" + kidLabel(data)}}, nil
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("the JWKS has no keys")
	}
	var out []Expected
	for i, raw := range set.Keys {
		if i == maxKeys {
			break
		}
		k, err := parseJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d: %v", i+1, err)
		}
		out = append(out, Expected{k, fmt.Sprintf("JWKS key %d%s", i+1, kidLabel(raw))})
	}
	return out, nil
}

func kidLabel(raw []byte) string {
	var k jwk
	if json.Unmarshal(raw, &k) != nil || k.Kid == "" {
		return ""
	}
	return " (kid=" + sanitize(k.Kid) + ")"
}

func parseJWK(raw []byte) (any, error) {
	var k jwk
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("does not parse: %v", shortErr(err))
	}
	if k.D != "" {
		return nil, errors.New("it holds a private key (\"d\"); give only the public key")
	}
	switch k.Kty {
	case "RSA":
		n, err := b64int(k.N)
		if err != nil {
			return nil, fmt.Errorf("bad \"n\": %v", err)
		}
		e, err := b64int(k.E)
		if err != nil {
			return nil, fmt.Errorf("bad \"e\": %v", err)
		}
		if n.Sign() <= 0 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, errors.New("\"n\" or \"e\" is out of range")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported EC curve %q", sanitize(k.Crv))
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := b64bytes(k.X)
		y, err2 := b64bytes(k.Y)
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, errors.New("bad \"x\" or \"y\"")
		}
		// ParseUncompressedPublicKey also rejects points off the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, errors.New("the EC point is not on the curve")
		}
		return pub, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, fmt.Errorf("unsupported OKP curve %q", sanitize(k.Crv))
		}
		x, err := b64bytes(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad \"x\"")
		}
		return ed25519.PublicKey(x), nil
	case "":
		if len(k.X5c) > 0 {
			return x5c(k.X5c[0])
		}
		return nil, errors.New("no \"kty\"")
	}
	return nil, fmt.Errorf("unsupported key type %q", sanitize(k.Kty))
}

func x5c(s string) (any, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("bad \"x5c\"")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("bad \"x5c\" certificate: %v", shortErr(err))
	}
	return c.PublicKey, nil
}

// b64bytes decodes JWK base64url, tolerating padding and the standard alphabet.
func b64bytes(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	if s == "" {
		return nil, errors.New("empty")
	}
	return base64.RawURLEncoding.DecodeString(s)
}

func b64int(s string) (*big.Int, error) {
	b, err := b64bytes(s)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(b) > 2048 {
		return nil, errors.New("too large")
	}
	return new(big.Int).SetBytes(b), nil
}

func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
