// Package rsakeytest builds ENCRYPTION_RSA_PRIVATE_KEY values in every
// shape operators get wrong, from keys generated at test time. It is
// imported only by tests; no key material is ever committed.
package rsakeytest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// GenerateRSA makes a key of the given size or fails the test.
func GenerateRSA(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatalf("generate %d-bit RSA key: %v", bits, err)
	}
	return k
}

// PKCS8PEM is the PEM the documented openssl command writes.
func PKCS8PEM(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// PKCS1PEM is the legacy "RSA PRIVATE KEY" form.
func PKCS1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

// EncryptedPKCS1PEM is a passphrase-protected legacy PEM (Proc-Type: 4,ENCRYPTED).
func EncryptedPKCS1PEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	//lint:ignore SA1019 producing the deprecated format is the point of this fixture
	b, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte("passphrase"), x509.PEMCipherAES256) //nolint:staticcheck
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(b))
}

// EncryptedPKCS8PEM is an "ENCRYPTED PRIVATE KEY" block. Go cannot write
// PKCS#8 encryption; the decoder classifies such a block by its type, so the
// body is the (unencrypted) DER under the encrypted label.
func EncryptedPKCS8PEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}))
}

// RSAPSSPEM wraps the key in PKCS#8 under the id-RSASSA-PSS OID, as
// `openssl genpkey -algorithm RSA-PSS` does.
func RSAPSSPEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := asn1.Marshal(struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}{0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}}, x509.MarshalPKCS1PrivateKey(key)})
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// ECPKCS8PEM and ECSEC1PEM are P-256 keys; Ed25519PEM an Ed25519 key.
func ECPKCS8PEM(t testing.TB) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return PKCS8PEM(t, k)
}

// ECSEC1PEM is "EC PRIVATE KEY", what `openssl ecparam -genkey` writes.
func ECSEC1PEM(t testing.TB) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// Ed25519PEM is a PKCS#8 Ed25519 key.
func Ed25519PEM(t testing.TB) string {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return PKCS8PEM(t, k)
}

// PublicPEM is the PKIX public half; PublicPKCS1PEM the "RSA PUBLIC KEY" form.
func PublicPEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PublicPKCS1PEM is "RSA PUBLIC KEY".
func PublicPKCS1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
}

// CertificatePEM is a self-signed certificate for the key.
func CertificatePEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Spacelift RSA key"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// CSRPEM is what `openssl req -new -newkey ...` prints on its output.
func CSRPEM(t testing.TB, key *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Spacelift RSA key"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// B64 is `base64 -w 0`.
func B64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Wrapped is plain `base64`: 76-column lines and a final newline.
func Wrapped(s string) string {
	enc := B64(s)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

// CRLF converts line endings to Windows style.
func CRLF(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
