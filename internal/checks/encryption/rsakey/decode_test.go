package rsakey_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// 4096-bit keys take seconds to generate; make them once per test binary.
var (
	keysOnce         sync.Once
	key4096, key2048 *rsa.PrivateKey
	key1024          *rsa.PrivateKey
)

func keys(t testing.TB) (k4096, k2048, k1024 *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		key4096 = kt.GenerateRSA(t, 4096)
		key2048 = kt.GenerateRSA(t, 2048)
		key1024 = kt.GenerateRSA(t, 1024)
	})
	if key4096 == nil {
		t.Fatal("key generation failed earlier")
	}
	return key4096, key2048, key1024
}

type fixture struct {
	name     string
	value    string
	pemText  string // the PEM underneath, for the leak assertion
	worst    rsakey.Kind
	severity rsakey.Severity // 0 = no finding at all
	wantKey  bool
	also     []rsakey.Kind
	msg      string // substring of the verdict message
}

func fixtures(t *testing.T) []fixture {
	k4096, k2048, k1024 := keys(t)
	p8 := kt.PKCS8PEM(t, k4096)
	p1 := kt.PKCS1PEM(k4096)
	cert := kt.CertificatePEM(t, k2048)
	p8small := kt.PKCS8PEM(t, k2048)
	return []fixture{
		{name: "pkcs8 4096 as documented", value: kt.B64(p8), pemText: p8, wantKey: true},
		{name: "pkcs8 2048", value: kt.B64(p8small), pemText: p8small, worst: rsakey.KeySmallerThan, severity: rsakey.Warn, wantKey: true, msg: "2048 bits"},
		{name: "pkcs8 1024", value: kt.B64(kt.PKCS8PEM(t, k1024)), pemText: kt.PKCS8PEM(t, k1024), worst: rsakey.KeyTooSmall, severity: rsakey.Fail, wantKey: true, msg: "1024 bits"},
		{name: "pkcs1 4096", value: kt.B64(p1), pemText: p1, worst: rsakey.PKCS1Format, severity: rsakey.Warn, wantKey: true, msg: "PKCS#1"},
		{name: "pkcs1 1024", value: kt.B64(kt.PKCS1PEM(k1024)), pemText: kt.PKCS1PEM(k1024), worst: rsakey.KeyTooSmall, severity: rsakey.Fail, wantKey: true, also: []rsakey.Kind{rsakey.PKCS1Format}},
		{name: "crlf line endings", value: kt.B64(kt.CRLF(p8)), pemText: p8, wantKey: true},
		{name: "raw pem", value: p8, pemText: p8, worst: rsakey.RawPEM, severity: rsakey.Fail, wantKey: true, msg: "PEM text itself"},
		{name: "raw pem with literal \\n", value: strings.ReplaceAll(strings.TrimSpace(p1), "\n", `\n`), pemText: p1, worst: rsakey.RawPEM, severity: rsakey.Fail, wantKey: true, also: []rsakey.Kind{rsakey.PKCS1Format}},
		{name: "raw encrypted pem", value: kt.EncryptedPKCS1PEM(t, k2048), worst: rsakey.RawPEM, severity: rsakey.Fail, also: []rsakey.Kind{rsakey.Encrypted}},
		{name: "wrapped base64", value: kt.Wrapped(p8), pemText: p8, worst: rsakey.Whitespace, severity: rsakey.Warn, wantKey: true, msg: "line breaks"},
		{name: "crlf wrapped base64", value: kt.CRLF(kt.Wrapped(p8)), pemText: p8, worst: rsakey.Whitespace, severity: rsakey.Warn, wantKey: true, msg: "line breaks"},
		{name: "base64 with spaces", value: strings.Join(splitEvery(kt.B64(p8), 64), " "), pemText: p8, worst: rsakey.Whitespace, severity: rsakey.Warn, wantKey: true, msg: "spaces"},
		{name: "double base64", value: kt.B64(kt.B64(p8)), pemText: p8, worst: rsakey.DoubleBase64, severity: rsakey.Fail, wantKey: true, msg: "twice"},
		{name: "double base64 wrapped inside", value: kt.B64(kt.Wrapped(p8)), pemText: p8, worst: rsakey.DoubleBase64, severity: rsakey.Fail, wantKey: true},
		{name: "url-safe base64", value: urlSafe(t, p8), pemText: p8, worst: rsakey.NonStdBase64, severity: rsakey.Warn, wantKey: true, msg: "URL-safe"},
		{name: "unpadded base64", value: unpadded(p8), pemText: p8, worst: rsakey.NonStdBase64, severity: rsakey.Warn, wantKey: true, msg: "padding"},
		{name: "not base64", value: "this is not: base64!", worst: rsakey.NotBase64, severity: rsakey.Fail, msg: "position 10"},
		{name: "quoted", value: `"` + kt.B64(p8) + `"`, pemText: p8, worst: rsakey.NotBase64, severity: rsakey.Fail, msg: "quotes"},
		{name: "truncated", value: kt.B64(p8)[:101], pemText: p8, worst: rsakey.NotBase64, severity: rsakey.Fail, msg: "cut short"},
		{name: "empty", value: "  \n", worst: rsakey.Empty, severity: rsakey.Fail},
		{name: "der key", value: base64.StdEncoding.EncodeToString(mustDER(t, p8)), pemText: p8, worst: rsakey.DER, severity: rsakey.Fail, msg: "PKCS#8 RSA private key"},
		{name: "pem body without armour", value: pemBody(p8), pemText: p8, worst: rsakey.DER, severity: rsakey.Fail, msg: "armour"},
		{name: "base64 of text", value: kt.B64("hello, this is not a key"), worst: rsakey.NoPEM, severity: rsakey.Fail, msg: "24 bytes"},
		{name: "damaged pem", value: kt.B64(strings.ReplaceAll(p8, "\n", " ")), pemText: p8, worst: rsakey.DamagedPEM, severity: rsakey.Fail},
		{name: "legacy encrypted", value: kt.B64(kt.EncryptedPKCS1PEM(t, k2048)), worst: rsakey.Encrypted, severity: rsakey.Fail, msg: "passphrase"},
		{name: "pkcs8 encrypted", value: kt.B64(kt.EncryptedPKCS8PEM(t, k2048)), worst: rsakey.Encrypted, severity: rsakey.Fail, msg: "ENCRYPTED PRIVATE KEY"},
		{name: "ec pkcs8", value: kt.B64(kt.ECPKCS8PEM(t)), worst: rsakey.NotRSA, severity: rsakey.Fail, msg: "EC key (P-256)"},
		{name: "ec sec1", value: kt.B64(kt.ECSEC1PEM(t)), worst: rsakey.NotRSA, severity: rsakey.Fail, msg: "EC key"},
		{name: "ed25519", value: kt.B64(kt.Ed25519PEM(t)), worst: rsakey.NotRSA, severity: rsakey.Fail, msg: "Ed25519"},
		{name: "rsa-pss", value: kt.B64(kt.RSAPSSPEM(t, k2048)), worst: rsakey.RSAPSSRestrict, severity: rsakey.Fail, msg: "RSA-PSS"},
		{name: "public key", value: kt.B64(kt.PublicPEM(t, k2048)), worst: rsakey.PublicKey, severity: rsakey.Fail, msg: "public key"},
		{name: "rsa public key", value: kt.B64(kt.PublicPKCS1PEM(k2048)), worst: rsakey.PublicKey, severity: rsakey.Fail, msg: "RSA PUBLIC KEY"},
		{name: "certificate", value: kt.B64(cert), worst: rsakey.Certificate, severity: rsakey.Fail, msg: "certificate"},
		{name: "certificate then key", value: kt.B64(cert + p8), pemText: p8, worst: rsakey.Certificate, severity: rsakey.Fail, msg: "block 2"},
		{name: "key then certificate", value: kt.B64(p8 + cert), pemText: p8, worst: rsakey.ExtraBlocks, severity: rsakey.Warn, wantKey: true, msg: "CERTIFICATE"},
		{name: "csr from openssl req output", value: kt.B64(kt.CSRPEM(t, k2048)), worst: rsakey.CertRequest, severity: rsakey.Fail, msg: "-keyout"},
		{name: "openssh", value: kt.B64(string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("openssh-key-v1\x00junk")}))), worst: rsakey.OpenSSH, severity: rsakey.Fail, msg: "OpenSSH"},
		{name: "unknown block", value: kt.B64(string(pem.EncodeToMemory(&pem.Block{Type: "PGP PRIVATE KEY BLOCK", Bytes: []byte{1, 2, 3}}))), worst: rsakey.UnknownBlock, severity: rsakey.Fail, msg: "PGP PRIVATE KEY BLOCK"},
		{name: "corrupt pkcs1", value: kt.B64(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{0x30, 0x03, 1, 2, 3}}))), worst: rsakey.ParseError, severity: rsakey.Fail},
	}
}

func TestDecode(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			r := rsakey.Decode(f.value)
			w, ok := r.Worst()
			switch {
			case f.severity == 0 && ok:
				t.Fatalf("want no finding, got %s: %s", w.Kind, w.Message)
			case f.severity != 0 && !ok:
				t.Fatalf("want %s, got no finding", f.worst)
			case f.severity != 0 && (w.Kind != f.worst || w.Severity != f.severity):
				t.Fatalf("want %s (severity %d), got %s (severity %d): %s", f.worst, f.severity, w.Kind, w.Severity, w.Message)
			}
			if f.msg != "" && !strings.Contains(w.Message, f.msg) {
				t.Errorf("message %q does not mention %q", w.Message, f.msg)
			}
			if (r.Key != nil) != f.wantKey {
				t.Errorf("key parsed = %v, want %v", r.Key != nil, f.wantKey)
			}
			for _, k := range f.also {
				if !r.Has(k) {
					t.Errorf("missing finding %s in %+v", k, r.Findings)
				}
			}
			if r.Usable() != (f.wantKey && f.severity != rsakey.Fail) {
				t.Errorf("Usable() = %v", r.Usable())
			}
			for _, fd := range r.Findings {
				if fd.Message == "" || fd.Advice == "" {
					t.Errorf("finding %s lacks a message or advice", fd.Kind)
				}
				assertNoLeak(t, fd.Message+"\n"+fd.Advice+"\n"+strings.Join(r.Notes, "\n"), f.value, f.pemText)
			}
		})
	}
}

func TestAdviceGivesTheDocumentedCommands(t *testing.T) {
	k4096, _, _ := keys(t)
	r := rsakey.Decode(kt.PKCS8PEM(t, k4096))
	w, _ := r.Worst()
	if !strings.Contains(w.Advice, "cat spacelift.key | base64 -w 0") {
		t.Errorf("raw PEM advice lacks the encode command: %s", w.Advice)
	}
	r = rsakey.Decode(kt.B64(kt.ECPKCS8PEM(t)))
	w, _ = r.Worst()
	if !strings.Contains(w.Advice, `openssl req -new -newkey rsa:4096 -nodes -keyout spacelift.key -subj "/CN=Spacelift RSA key"`) {
		t.Errorf("non-RSA advice lacks the documented generate command: %s", w.Advice)
	}
}

func TestNotesCRLF(t *testing.T) {
	k4096, _, _ := keys(t)
	r := rsakey.Decode(kt.B64(kt.CRLF(kt.PKCS8PEM(t, k4096))))
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "CRLF") {
		t.Fatalf("notes = %q", r.Notes)
	}
}

// TestFingerprintMatchesOpenSSL pins the fingerprint to the command the
// docs give operators to compute it themselves.
func TestFingerprintMatchesOpenSSL(t *testing.T) {
	requireOpenSSL(t)
	_, k2048, _ := keys(t)
	got, err := rsakey.Fingerprint(&k2048.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "openssl pkey -pubout -outform DER | openssl dgst -sha256 -r")
	cmd.Stdin = strings.NewReader(kt.PKCS8PEM(t, k2048))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Fields(string(out))[0]; got != want {
		t.Fatalf("fingerprint %s, openssl says %s", got, want)
	}
}

// TestDocumentedCommandPasses runs the exact documented commands when
// openssl is present: their output must pass without any finding.
func TestDocumentedCommandPasses(t *testing.T) {
	requireOpenSSL(t)
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", rsakey.GenerateCommand+" >/dev/null 2>&1 && "+rsakey.EncodeCommand)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	r := rsakey.Decode(string(out))
	if w, ok := r.Worst(); ok {
		t.Fatalf("documented key got %s: %s", w.Kind, w.Message)
	}
	if r.Format != rsakey.PKCS8 || r.Bits() != 4096 {
		t.Fatalf("format %s, %d bits", r.Format, r.Bits())
	}
}

func assertNoLeak(t *testing.T, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		for _, variant := range secret.Variants(v) {
			if len(variant) >= 16 && strings.Contains(text, variant) {
				t.Fatalf("report contains key material (%d chars of a variant)", len(variant))
			}
		}
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

// requireOpenSSL fails rather than skips: openssl is part of the test
// environment (the test-services harness makes its certificates with it).
func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is needed to compare with the documented commands: %v", err)
	}
}
