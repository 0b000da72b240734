// Package jws builds and verifies JWT-shaped test tokens and reads the
// public key an operator expects Spacelift to sign with (PEM, JWK or
// JWKS). It holds no credentials and calls no network, so it can be fuzzed.
package jws

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// JWS algorithms the checks prove.
const (
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256
	PS256 = "PS256" // RSASSA-PSS with SHA-256
)

// SigningInput is the "header.payload" part of a JWT, the bytes a JWS
// signature covers. The claims say what the token is, so one that leaks
// into a log is harmless: it expires in a minute and names this tool.
func SigningInput(alg string, now time.Time, nonce string) []byte {
	header, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss": "spacectl-preflight",
		"sub": "jwt.keypair self-test",
		"iat": now.Unix(),
		"exp": now.Add(time.Minute).Unix(),
		"jti": nonce,
	})
	enc := base64.RawURLEncoding
	return []byte(enc.EncodeToString(header) + "." + enc.EncodeToString(claims))
}

// Digest is the SHA-256 the RS256 and PS256 signatures are made over.
func Digest(input []byte) []byte {
	sum := sha256.Sum256(input)
	return sum[:]
}

// Verify checks a JWS signature over input with pub.
func Verify(pub *rsa.PublicKey, alg string, input, sig []byte) error {
	if pub == nil {
		return errors.New("no public key")
	}
	d := Digest(input)
	switch alg {
	case RS256:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sig)
	case PS256:
		// RFC 7518 fixes the salt at the hash size; accepting any salt
		// length also accepts signers that use the maximum.
		return rsa.VerifyPSS(pub, crypto.SHA256, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	}
	return fmt.Errorf("unsupported algorithm %q", alg)
}
