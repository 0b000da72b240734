package secret

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

func TestFormsCoverEveryEncoding(t *testing.T) {
	pw := `p@ss/w0rd+&<"zz`
	dsn := "postgres://app:" + userinfoEscape(pw) + "@db:5432/x"
	cases := []struct {
		name, value, text, wantForm string
	}{
		{"raw", "tok-123456", "a tok-123456 b", "raw"},
		{"base64", "tok-123456", base64.StdEncoding.EncodeToString([]byte("tok-123456")), "base64"},
		{"base64url unpadded", "~~~???>>>x", base64.RawURLEncoding.EncodeToString([]byte("~~~???>>>x")) + " end", "base64 URL-safe unpadded"},
		{"query", pw, "x=" + "p%40ss%2Fw0rd%2B%26%3C%22zz", "URL query-escaped"},
		{"json html", pw, `{"m":"p@ss/w0rd+\u0026\u003c\"zz"}`, "JSON-escaped"},
		{"json plain", pw, `{"m":"p@ss/w0rd+&<\"zz"}`, "JSON-escaped"},
		{"xml", pw, `<failure message="p@ss/w0rd+&amp;&lt;&#34;zz"/>`, "XML-escaped"},
		{"url password", dsn, "password " + pw + " rejected", "URL password"},
		{"url password in userinfo", dsn, "postgres://other:" + userinfoEscape(pw) + "@h", "URL password, URL userinfo-escaped"},
		{"dsn password", "host=db password=kv-secret-1 user=x", "auth failed for kv-secret-1", "DSN password"},
		{"decoded base64", base64.StdEncoding.EncodeToString([]byte("plain-text-token")), "got plain-text-token", "base64-decoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := NewNamedScrubber(Named{Rule: "VAR", Value: New(c.value)})
			f, ok := sc.Find(c.text)
			if !ok {
				t.Fatalf("not found in %q", c.text)
			}
			if f.Rule != "VAR" || f.Form != c.wantForm {
				t.Errorf("finding %s, want VAR (%s)", f, c.wantForm)
			}
			if strings.Contains(f.String(), c.value) {
				t.Errorf("finding names the value")
			}
			if got := sc.Scrub(c.text); sc.hasAny(got) {
				t.Errorf("Scrub left a form in %q", got)
			}
		})
	}
}

func (s *Scrubber) hasAny(text string) bool { _, ok := s.Find(text); return ok }

func TestFormsOfPEMKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	// Written by a tool that wraps at 76 columns, then base64'd as
	// ENCRYPTION_RSA_PRIVATE_KEY wants.
	body := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(key))
	var wrapped strings.Builder
	wrapped.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for len(body) > 0 {
		n := min(76, len(body))
		wrapped.WriteString(body[:n] + "\n")
		body = body[n:]
	}
	wrapped.WriteString("-----END RSA PRIVATE KEY-----\n")
	for name, value := range map[string]string{"pem": pemText, "base64 of 76-column pem": base64.StdEncoding.EncodeToString([]byte(wrapped.String()))} {
		sc := NewNamedScrubber(Named{Rule: "KEY", Value: New(value)})
		src := pemText
		if name != "pem" {
			src = wrapped.String()
		}
		lines := strings.Split(src, "\n")
		for _, l := range lines[1 : len(lines)-3] {
			if f, ok := sc.Find("log: " + l + " end"); !ok || f.Rule != "KEY" {
				t.Errorf("%s: body line not found (%v)", name, f)
			}
		}
		if f, ok := sc.Find(strings.ReplaceAll(strings.TrimSpace(src), "\n", `\n`)); !ok {
			t.Errorf("%s: JSON-escaped PEM not found", name)
		} else if f.Rule != "KEY" {
			t.Errorf("%s: rule %s", name, f.Rule)
		}
	}
}

func TestCountsPerRuleAreConcurrencySafe(t *testing.T) {
	sc := NewNamedScrubber(Named{Rule: "DATABASE_URL", Value: New("postgres://u:dbpw-999@h/db")}, Named{Rule: "LICENSE_TOKEN", Value: New("lic-abcdef")})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.Scrub("dbpw-999 and lic-abcdef and lic-abcdef and mysql://x:other-pw@h and password=zz1 and postgres://u:xxxxx@h")
		}()
	}
	wg.Wait()
	got := sc.Counts()
	want := map[string]int{"DATABASE_URL": 50, "LICENSE_TOKEN": 100, RuleURLPassword: 50, RuleDSNPassword: 50}
	for r, n := range want {
		if got[r] != n {
			t.Errorf("count[%s] = %d, want %d (all: %v)", r, got[r], n, got)
		}
	}
	rules := sc.Rules()
	if strings.Join(rules, ",") != strings.Join([]string{"DATABASE_URL", "LICENSE_TOKEN", RuleURLPassword, RuleDSNPassword}, ",") {
		t.Errorf("rules %v", rules)
	}
}

func TestAdvicePlaceholderSurvives(t *testing.T) {
	sc := NewScrubber(New("real-pw-123"))
	in := "use postgres://USER:PASSWORD@HOST:5432/DB; not postgres://app:real-pw-123@h nor mysql://a:other@h"
	got := sc.Scrub(in)
	if !strings.Contains(got, "postgres://USER:PASSWORD@HOST") || strings.Contains(got, "real-pw-123") || strings.Contains(got, "other@") {
		t.Errorf("got %q", got)
	}
}
