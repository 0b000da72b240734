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

	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
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

// Case is one value in a shape operators give, and what the decoder must
// make of it.
type Case struct {
	Name     string
	Value    string
	PEM      string // the PEM underneath, for leak assertions
	Worst    rsakey.Kind
	Severity rsakey.Severity // 0 = no finding at all
	WantKey  bool
	Also     []rsakey.Kind
	Msg      string // substring of the verdict message
}

// Cases are every mistake the decoder knows, plus the documented shape,
// built from the given keys (4096, 2048 and 1024 bits: the sizes the
// decoder judges). The key-decoding tests of every variable that holds a
// base64 PEM key share them.
func Cases(t *testing.T, k4096, k2048, k1024 *rsa.PrivateKey) []Case {
	p8 := PKCS8PEM(t, k4096)
	p1 := PKCS1PEM(k4096)
	cert := CertificatePEM(t, k2048)
	p8small := PKCS8PEM(t, k2048)
	return []Case{
		{Name: "pkcs8 4096 as documented", Value: B64(p8), PEM: p8, WantKey: true},
		{Name: "pkcs8 2048", Value: B64(p8small), PEM: p8small, Worst: rsakey.KeySmallerThan, Severity: rsakey.Warn, WantKey: true, Msg: "2048 bits"},
		{Name: "pkcs8 1024", Value: B64(PKCS8PEM(t, k1024)), PEM: PKCS8PEM(t, k1024), Worst: rsakey.KeyTooSmall, Severity: rsakey.Fail, WantKey: true, Msg: "1024 bits"},
		{Name: "pkcs1 4096", Value: B64(p1), PEM: p1, Worst: rsakey.PKCS1Format, Severity: rsakey.Warn, WantKey: true, Msg: "PKCS#1"},
		{Name: "pkcs1 1024", Value: B64(PKCS1PEM(k1024)), PEM: PKCS1PEM(k1024), Worst: rsakey.KeyTooSmall, Severity: rsakey.Fail, WantKey: true, Also: []rsakey.Kind{rsakey.PKCS1Format}},
		{Name: "crlf line endings", Value: B64(CRLF(p8)), PEM: p8, WantKey: true},
		{Name: "raw pem", Value: p8, PEM: p8, Worst: rsakey.RawPEM, Severity: rsakey.Fail, WantKey: true, Msg: "PEM text itself"},
		{Name: "raw pem with literal \\n", Value: strings.ReplaceAll(strings.TrimSpace(p1), "\n", `\n`), PEM: p1, Worst: rsakey.RawPEM, Severity: rsakey.Fail, WantKey: true, Also: []rsakey.Kind{rsakey.PKCS1Format}},
		{Name: "raw encrypted pem", Value: EncryptedPKCS1PEM(t, k2048), Worst: rsakey.RawPEM, Severity: rsakey.Fail, Also: []rsakey.Kind{rsakey.Encrypted}},
		{Name: "wrapped base64", Value: Wrapped(p8), PEM: p8, Worst: rsakey.Whitespace, Severity: rsakey.Warn, WantKey: true, Msg: "line breaks"},
		{Name: "crlf wrapped base64", Value: CRLF(Wrapped(p8)), PEM: p8, Worst: rsakey.Whitespace, Severity: rsakey.Warn, WantKey: true, Msg: "line breaks"},
		{Name: "base64 with spaces", Value: strings.Join(splitEvery(B64(p8), 64), " "), PEM: p8, Worst: rsakey.Whitespace, Severity: rsakey.Warn, WantKey: true, Msg: "spaces"},
		{Name: "double base64", Value: B64(B64(p8)), PEM: p8, Worst: rsakey.DoubleBase64, Severity: rsakey.Fail, WantKey: true, Msg: "twice"},
		{Name: "double base64 wrapped inside", Value: B64(Wrapped(p8)), PEM: p8, Worst: rsakey.DoubleBase64, Severity: rsakey.Fail, WantKey: true},
		{Name: "url-safe base64", Value: urlSafe(t, p8), PEM: p8, Worst: rsakey.NonStdBase64, Severity: rsakey.Warn, WantKey: true, Msg: "URL-safe"},
		{Name: "unpadded base64", Value: unpadded(p8), PEM: p8, Worst: rsakey.NonStdBase64, Severity: rsakey.Warn, WantKey: true, Msg: "padding"},
		{Name: "not base64", Value: "this is not: base64!", Worst: rsakey.NotBase64, Severity: rsakey.Fail, Msg: "position 10"},
		{Name: "quoted", Value: `"` + B64(p8) + `"`, PEM: p8, Worst: rsakey.NotBase64, Severity: rsakey.Fail, Msg: "quotes"},
		{Name: "truncated", Value: B64(p8)[:101], PEM: p8, Worst: rsakey.NotBase64, Severity: rsakey.Fail, Msg: "cut short"},
		{Name: "empty", Value: "  \n", Worst: rsakey.Empty, Severity: rsakey.Fail},
		{Name: "der key", Value: base64.StdEncoding.EncodeToString(mustDER(t, p8)), PEM: p8, Worst: rsakey.DER, Severity: rsakey.Fail, Msg: "PKCS#8 RSA private key"},
		{Name: "pem body without armour", Value: pemBody(p8), PEM: p8, Worst: rsakey.DER, Severity: rsakey.Fail, Msg: "armour"},
		{Name: "base64 of text", Value: B64("hello, this is not a key"), Worst: rsakey.NoPEM, Severity: rsakey.Fail, Msg: "24 bytes"},
		{Name: "damaged pem", Value: B64(strings.ReplaceAll(p8, "\n", " ")), PEM: p8, Worst: rsakey.DamagedPEM, Severity: rsakey.Fail},
		{Name: "legacy encrypted", Value: B64(EncryptedPKCS1PEM(t, k2048)), Worst: rsakey.Encrypted, Severity: rsakey.Fail, Msg: "passphrase"},
		{Name: "pkcs8 encrypted", Value: B64(EncryptedPKCS8PEM(t, k2048)), Worst: rsakey.Encrypted, Severity: rsakey.Fail, Msg: "ENCRYPTED PRIVATE KEY"},
		{Name: "ec pkcs8", Value: B64(ECPKCS8PEM(t)), Worst: rsakey.NotRSA, Severity: rsakey.Fail, Msg: "EC key (P-256)"},
		{Name: "ec sec1", Value: B64(ECSEC1PEM(t)), Worst: rsakey.NotRSA, Severity: rsakey.Fail, Msg: "EC key"},
		{Name: "ed25519", Value: B64(Ed25519PEM(t)), Worst: rsakey.NotRSA, Severity: rsakey.Fail, Msg: "Ed25519"},
		{Name: "rsa-pss", Value: B64(RSAPSSPEM(t, k2048)), Worst: rsakey.RSAPSSRestrict, Severity: rsakey.Fail, Msg: "RSA-PSS"},
		{Name: "public key", Value: B64(PublicPEM(t, k2048)), Worst: rsakey.PublicKey, Severity: rsakey.Fail, Msg: "public key"},
		{Name: "rsa public key", Value: B64(PublicPKCS1PEM(k2048)), Worst: rsakey.PublicKey, Severity: rsakey.Fail, Msg: "RSA PUBLIC KEY"},
		{Name: "certificate", Value: B64(cert), Worst: rsakey.Certificate, Severity: rsakey.Fail, Msg: "certificate"},
		{Name: "certificate then key", Value: B64(cert + p8), PEM: p8, Worst: rsakey.Certificate, Severity: rsakey.Fail, Msg: "block 2"},
		{Name: "key then certificate", Value: B64(p8 + cert), PEM: p8, Worst: rsakey.ExtraBlocks, Severity: rsakey.Warn, WantKey: true, Msg: "CERTIFICATE"},
		{Name: "csr from openssl req output", Value: B64(CSRPEM(t, k2048)), Worst: rsakey.CertRequest, Severity: rsakey.Fail, Msg: "-keyout"},
		{Name: "openssh", Value: B64(string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("openssh-key-v1\x00junk")}))), Worst: rsakey.OpenSSH, Severity: rsakey.Fail, Msg: "OpenSSH"},
		{Name: "unknown block", Value: B64(string(pem.EncodeToMemory(&pem.Block{Type: "PGP PRIVATE KEY BLOCK", Bytes: []byte{1, 2, 3}}))), Worst: rsakey.UnknownBlock, Severity: rsakey.Fail, Msg: "PGP PRIVATE KEY BLOCK"},
		{Name: "corrupt pkcs1", Value: B64(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{0x30, 0x03, 1, 2, 3}}))), Worst: rsakey.ParseError, Severity: rsakey.Fail},
	}
}

func splitEvery(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func mustDER(t *testing.T, p string) []byte {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("no PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		t.Fatal(err)
	}
	return b.Bytes
}

// pemBody joins the lines between BEGIN and END: what an operator copies
// when they think the armour is decoration.
func pemBody(p string) string {
	lines := strings.Split(strings.TrimSpace(p), "\n")
	return strings.Join(lines[1:len(lines)-1], "")
}

// urlSafe encodes s with the URL-safe alphabet. ASCII text only maps to
// the alphabets' differing characters through a byte such as '~' in the
// third position of a triplet, so it appends one (text after the PEM block
// is ignored) at each alignment until the encoding differs from standard
// base64.
func urlSafe(t *testing.T, s string) string {
	for i := range 3 {
		v := s + strings.Repeat("\n", i) + "~"
		if enc := base64.URLEncoding.EncodeToString([]byte(v)); strings.ContainsAny(enc, "-_") {
			return enc
		}
	}
	t.Fatal("no URL-safe encoding differs from standard base64")
	return ""
}

// unpadded encodes s without padding, lengthening it until padding would
// have been needed.
func unpadded(s string) string {
	for len(s)%3 == 0 {
		s += "\n"
	}
	return base64.RawStdEncoding.EncodeToString([]byte(s))
}
