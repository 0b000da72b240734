package secret

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
)

// windowsOf lists, independently of the sweep, every 6-character window
// of s.
func windowsOf(s string) []string {
	var out []string
	for i := 0; i+6 <= len(s); i++ {
		out = append(out, s[i:i+6])
	}
	return out
}

func TestFragmentsOfAnUnencodedPasswordAreFoundAndMasked(t *testing.T) {
	const pw = "SecrP@ss:w/rd%Kx9"
	raw := "postgres://spacelift:" + pw + "@127.0.0.1:17003/spacelift"
	sc := NewScrubberKnowing([]string{"spacelift", "127.0.0.1"}, Named{Rule: "DATABASE_URL", Value: New(raw)})
	// What pgx printed before this sweep existed: half the password.
	leak := "failed to parse as URL (invalid percent-encoded token: \"rd%Kx9@127.0.0.1:17003/spacelift\")"
	f, ok := sc.Find(leak)
	if !ok || f.Rule != "DATABASE_URL" || f.Form != FormFragment {
		t.Fatalf("Find = %v, %v", f, ok)
	}
	got := sc.Scrub(leak)
	if strings.Contains(got, "rd%Kx9") || !strings.Contains(got, "[redacted]@127.0.0.1:17003/spacelift") {
		t.Errorf("Scrub = %q", got)
	}
	for _, w := range windowsOf(pw) {
		text := "x " + w + " y"
		if _, ok := sc.Find(text); !ok {
			t.Errorf("window %q not found", w)
		}
		if s := sc.Scrub(text); strings.Contains(s, w) {
			t.Errorf("window %q not masked: %q", w, s)
		}
	}
	// A part between delimiters, shorter than a window.
	if f, ok := sc.Find("user spacelift, password SecrP"); !ok || f.Form != FormPart {
		t.Errorf("the part before the first @ was not found: %v %v", f, ok)
	}
	// The public parts of the URL are not fragments.
	for _, clean := range []string{"connected to 127.0.0.1:17003 as user \"spacelift\", database \"spacelift\"", "postgres://spacelift:xxxxx@127.0.0.1:17003/spacelift"} {
		if f, ok := sc.Find(clean); ok {
			t.Errorf("%q: false finding %v", clean, f)
		}
		if s := sc.Scrub(clean); s != clean {
			t.Errorf("%q scrubbed to %q", clean, s)
		}
	}
}

func TestFragmentsSkipOrdinaryTextAndKnownValues(t *testing.T) {
	// The password shares "spacelift-prod" with the user and database
	// names, and "Password" and "123456" are ordinary text.
	const pw = "spacelift-prod-Password123456!X"
	sc := NewScrubberKnowing([]string{"spacelift-prod", "db.example.com"},
		Named{Rule: "DATABASE_URL", Value: New("postgres://spacelift-prod:" + pw + "@db.example.com/spacelift-prod")})
	for _, clean := range []string{
		`password authentication failed for user "spacelift-prod"`,
		"Password policy: at least 123456 characters",
		"Passwords", "PASSWORD", "spacelift-prod on db.example.com",
	} {
		if f, ok := sc.Find(clean); ok {
			t.Errorf("%q: false finding %v", clean, f)
		}
	}
	for _, leak := range []string{"d123456!X", "word123", "3456!X and more"} {
		if _, ok := sc.Find("… " + leak + " …"); !ok {
			t.Errorf("%q not found", leak)
		}
	}
}

func TestOrdinary(t *testing.T) {
	for _, s := range []string{"passwo", "Secret", "SECRET", "123456", "a-b_c.", "spa ce", "------"} {
		if !ordinary(s) {
			t.Errorf("%q should be ordinary", s)
		}
	}
	for _, s := range []string{"SecrP@", "abc123", "xKqZvT", "rd%Kx9", "Pw_7x!", "sEcret"} {
		if ordinary(s) {
			t.Errorf("%q should not be ordinary", s)
		}
	}
}

func TestSecretPartsOfStructuredValues(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	b64 := base64.StdEncoding.EncodeToString([]byte(keyPEM))
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	otherB64 := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}))
	sc := NewScrubberKnowing(nil,
		Named{Rule: "ENCRYPTION_RSA_PRIVATE_KEY", Value: New(b64)},
		Named{Rule: "AZURE_STORAGE_CONNECTION_STRING", Value: New("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Y29ubi1zdHJpbmcta2V5;EndpointSuffix=core.windows.net")},
		Named{Rule: "LICENSE_TOKEN", Value: New("eyJhbGciOiJSUzI1NiJ9.eyJsaWNlbnNlIjoidW5pcXVlIn0.c2lnLXVuaXF1ZS14eXo")},
	)
	// Public parts: another key's armour, the account name and endpoint,
	// a JWT header.
	for _, clean := range []string{otherB64[:40] + "…" + otherB64[len(otherB64)-40:], "AccountName=acct;EndpointSuffix=core.windows.net", "eyJhbGciOiJSUzI1NiJ9.e30.x"} {
		if f, ok := sc.Find(clean); ok {
			t.Errorf("%q: false finding %v", clean, f)
		}
	}
	body := strings.Split(keyPEM, "\n")[3]
	for _, leak := range []string{body[10:16], b64[200:206], "Zpbmcta2", "NlIjoidW5p"} {
		if _, ok := sc.Find("… " + leak + " …"); !ok {
			t.Errorf("%q not found", leak)
		}
	}
}

func TestMaskKeepsCharactersWhole(t *testing.T) {
	sc := NewScrubberKnowing(nil, Named{Rule: "P", Value: New("ünïcødé-Sëcret-1")})
	got, n := sc.Mask("x ïcødé-S y")
	if n != 1 || got != "x "+Redacted+" y" {
		t.Errorf("Mask = %q, %d", got, n)
	}
	if !strings.Contains(got, "x ") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("a character was cut: %q", got)
	}
}

func TestMaskCountsWholeSecretsAndFragments(t *testing.T) {
	sc := NewScrubberKnowing(nil, Named{Rule: "K", Value: New("Zq9-unique-Secret")})
	got, n := sc.Mask("a Zq9-unique-Secret b q9-uni c")
	if n != 2 || strings.Contains(got, "q9-uni") {
		t.Errorf("Mask = %q, %d", got, n)
	}
	if _, n := sc.Mask("nothing to see"); n != 0 {
		t.Errorf("clean text counted %d", n)
	}
}

// BenchmarkSweep measures the final sweep of a large output (a support
// bundle's debug log) against a realistic set of secrets: a database URL,
// a 2048-bit RSA key, an AWS session token and a few passwords.
func BenchmarkSweep(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	keyB64 := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	token := strings.Repeat("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ", 15)
	secrets := []Named{
		{Rule: "DATABASE_URL", Value: New("postgres://spacelift:SecrP@ss:w/rd%Kx9@db.example.com:5432/spacelift")},
		{Rule: "ENCRYPTION_RSA_PRIVATE_KEY", Value: New(keyB64)},
		{Rule: "AWS_SESSION_TOKEN", Value: New(token)},
		{Rule: "ADMIN_PASSWORD", Value: New("admin-Pw-unique-42")},
		{Rule: "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", Value: New("minio-Secret+Key/9z=unique")},
	}
	line := `{"time":"2026-12-02T10:56:18.813933975Z","level":"DEBUG","msg":"check finished","id":"postgres.connect","status":"fail","durationMs":12,"message":"connection to db.example.com:5432 refused"}` + "\n"
	text := strings.Repeat(line, 1<<20/len(line)) // 1 MiB
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			NewScrubberKnowing([]string{"spacelift", "db.example.com"}, secrets...)
		}
	})
	sc := NewScrubberKnowing([]string{"spacelift", "db.example.com"}, secrets...)
	b.Run("find-1MiB", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if _, ok := sc.Find(text); ok {
				b.Fatal("false finding")
			}
		}
	})
	b.Run("scrub-message", func(b *testing.B) {
		for b.Loop() {
			sc.Scrub("connection to db.example.com:5432 refused: dial tcp 10.0.0.1:5432: connect: connection refused")
		}
	})
}

func TestCleanScrubsThenEscapes(t *testing.T) {
	sc := NewScrubberKnowing(nil, Named{Rule: "P", Value: New("Zq9-unique-Secret")})
	got := sc.Clean("a Zq9-unique-Secret b \x1b]0;PWNED\a\nnext\tcol q9-uni")
	if want := "a " + Redacted + " b \\x1b]0;PWNED\\x07\nnext\tcol " + Redacted; got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
}

// TestMaskKeepsStructuredOutputValid: a weak secret that is ordinary text
// also occurs as a JSON value or a number in a rendered report; the final
// sweep must not cut the format apart there.
func TestMaskKeepsStructuredOutputValid(t *testing.T) {
	sc := NewScrubberKnowing(nil, Named{Rule: "A", Value: New("true")}, Named{Rule: "B", Value: New("123456")})
	in := `{"interrupted": true, "durationMs": 1234567}`
	if got, n := sc.Mask(in); got != in || n != 0 {
		t.Errorf("Mask = %q, %d", got, n)
	}
}
