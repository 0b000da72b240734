package secret

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := New("hunter2-very-secret")
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "pw", s)
	j, err := json.Marshal(struct{ P Secret }{s})
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %s %q %#v %+v", s, s, s, s, s),
		fmt.Sprintf("%v", struct{ P Secret }{s}), string(j), logBuf.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, "hunter2") {
			t.Errorf("secret leaked: %s", o)
		}
		if !strings.Contains(o, Redacted) {
			t.Errorf("expected %s in %s", Redacted, o)
		}
	}
	if s.Reveal() != "hunter2-very-secret" {
		t.Fatal("Reveal must return the value")
	}
}

func TestScrubEncodings(t *testing.T) {
	pw := "p@ss/w0rd+zz"
	dsn := "postgres://app:" + url.QueryEscape(pw) + "@db:5432/spacelift"
	sc := NewScrubber(New(dsn), New("tok-123456"))
	cases := []string{
		"failed to connect to `" + dsn + "`",
		"password " + pw + " rejected",
		"b64 " + base64.StdEncoding.EncodeToString([]byte("tok-123456")),
		"url-safe " + base64.RawURLEncoding.EncodeToString([]byte("tok-123456")),
		"esc " + url.QueryEscape(pw),
		"other url postgres://someone:otherpw@h/db",
		"host=db password=kv-secret user=x",
	}
	for _, c := range cases {
		got := sc.Scrub(c)
		for _, bad := range []string{pw, "tok-123456", url.QueryEscape(pw), "otherpw", "kv-secret",
			base64.StdEncoding.EncodeToString([]byte("tok-123456")), base64.RawURLEncoding.EncodeToString([]byte("tok-123456"))} {
			if strings.Contains(got, bad) {
				t.Errorf("Scrub(%q) = %q still contains %q", c, got, bad)
			}
		}
	}
	if got := sc.Scrub("nothing secret here"); got != "nothing secret here" {
		t.Errorf("clean text changed: %q", got)
	}
}

func TestRedactURL(t *testing.T) {
	got := RedactURL("postgres://app:s3cr3t@db:5432/x?sslmode=require&password=zz")
	if strings.Contains(got, "s3cr3t") || strings.Contains(got, "zz") {
		t.Fatalf("leak: %s", got)
	}
	if !strings.Contains(got, "db:5432") || !strings.Contains(got, "sslmode=require") {
		t.Fatalf("lost the safe parts: %s", got)
	}
	if RedactURL("not a url") != Redacted {
		t.Fatal("unparsable input must be fully redacted")
	}
}
