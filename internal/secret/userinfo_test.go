package secret

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseUserinfoReadsThePasswordAsMeant(t *testing.T) {
	cases := []struct {
		name, raw, user, password, rest string
		problems                        []string
	}{
		{"the issue's paste", "postgres://spacelift:SecrP@ss:w/rd%Kx9@127.0.0.1:17003/spacelift", "spacelift", "SecrP@ss:w/rd%Kx9", "127.0.0.1:17003/spacelift",
			[]string{"`@` at character 6", "`/` at character 11", "`%` not followed by two hexadecimal digits at character 14"}},
		{"encoded", "postgres://app:p%40ss%2Fw@db:5432/x?sslmode=require", "app", "p%40ss%2Fw", "db:5432/x?sslmode=require", nil},
		{"question mark and hash", "postgres://app:a?b#c@db/x", "app", "a?b#c", "db/x", []string{"`?` at character 2", "`#` at character 4"}},
		{"an @ in a key=value query does not count", "postgres://app:pw@db/x?options=a@b", "app", "pw", "db/x?options=a@b", nil},
		{"an @ after a ? in the password does", "postgres://app:p@ss?w@db/x", "app", "p@ss?w", "db/x", []string{"`@` at character 2", "`?` at character 5"}},
		{"space and control", "postgres://app:a b\x01c@db/x", "app", "a b\x01c", "db/x", []string{"a space at character 2", "a control character at character 4"}},
		{"user name with @", "postgres://me@server:pw@db/x", "me@server", "pw", "db/x", []string{"`@` at character 3"}},
		{"positions count characters, not bytes", "postgres://u:äö@x@db/x", "u", "äö@x", "db/x", []string{"`@` at character 3"}},
		{"no scheme", "admin:S3cret@minio:9000", "admin", "S3cret", "minio:9000", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := ParseUserinfo(c.raw)
			if !u.Found || u.User != c.user || u.Password != c.password || u.Rest != c.rest {
				t.Fatalf("got %+v", u)
			}
			var got []string
			for _, p := range u.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "|") != strings.Join(c.problems, "|") {
				t.Errorf("problems %q, want %q", got, c.problems)
			}
		})
	}
	for _, raw := range []string{"ops@example.com", "https://example.com/a@b c", "no at all", "https://host/path"} {
		if u := ParseUserinfo(raw); u.Found && u.Password != "" {
			t.Errorf("%q: found a password %+v", raw, u)
		}
	}
}

func TestExplainNamesCharactersNeverText(t *testing.T) {
	const pw = "SecrP@ss:w/rd%Kx9"
	u := ParseUserinfo("postgres://spacelift:" + pw + "@127.0.0.1:17003/spacelift")
	got := u.Explain()
	want := "the password contains characters that must be URL-encoded: `@` at character 6, `/` at character 11 and `%` not followed by two hexadecimal digits at character 14"
	if got != want {
		t.Fatalf("Explain() =\n%s\nwant\n%s", got, want)
	}
	for i := 0; i+3 <= len(pw); i++ {
		if w := pw[i : i+3]; strings.Contains(got, w) {
			t.Errorf("the explanation quotes %q of the password", w)
		}
	}
	many := ParseUserinfo("postgres://u:@@@@@@@@@@h/x").Explain()
	if !strings.Contains(many, "character 5 and 4 more") {
		t.Errorf("a long list is not cut: %s", many)
	}
	if ParseUserinfo("postgres://u:fine@h/x").Explain() != "" {
		t.Error("a clean password has nothing to explain")
	}
}

func TestShowURL(t *testing.T) {
	cases := map[string]string{
		"https://collector:4317":                      `"https://collector:4317"`,
		"https://u:pw@collector:4317":                 `"https://u:xxxxx@collector:4317"`,
		"https://collector/?token=abc&x=1":            `"https://collector/?token=xxxxx&x=1"`,
		"https://u:p@ss/w@collector:4317":             "(not shown: it holds credentials and does not parse)",
		"admin:S3cret@minio:9000":                     "(not shown: it holds credentials and does not parse)",
		"http://ho st:1\x1b]0;x\a":                    `"http://ho st:1\x1b]0;x\a"`,
		"postgres://u:p%zz@db/x?sslrootcert=/a/b.pem": "(not shown: it holds credentials and does not parse)",
	}
	for raw, want := range cases {
		if got := ShowURL(raw); got != want {
			t.Errorf("ShowURL(%q) = %s, want %s", raw, got, want)
		}
	}
}

func TestRedactURLRefusesAmbiguousUserinfo(t *testing.T) {
	// net/url parses this (host "u", port 123, query "ss@db/x") and would
	// print the password back whole.
	if got := RedactURL("postgres://u:123?ss@db/x"); got != Redacted {
		t.Errorf("RedactURL = %q", got)
	}
	// An opaque URL (no "//") is printed back by net/url as it is.
	if got := RedactURL("admin:S3cret@minio:9000"); got != Redacted {
		t.Errorf("RedactURL = %q", got)
	}
}

func TestWithoutQuotesAndParseErrorText(t *testing.T) {
	cases := map[string]string{
		`invalid port ":w" after host`:                "invalid port … after host",
		`invalid URL escape "%Kx"`:                    "invalid URL escape …",
		"cannot parse `postgres://u:x@h`: bad":        "cannot parse …: bad",
		`token: "a\"b" end`:                           "token: … end",
		`unterminated "quote`:                         "unterminated …",
		"plain text with the user's apostrophe stays": "plain text with the user's apostrophe stays",
	}
	for in, want := range cases {
		if got := WithoutQuotes(in); got != want {
			t.Errorf("WithoutQuotes(%q) = %q, want %q", in, got, want)
		}
	}
	_, err := parseURLForTest("http://admin:Secr%et@minio:9000")
	if got := ParseErrorText(err); got != "parse: invalid URL escape …" {
		t.Errorf("ParseErrorText = %q", got)
	}
}

func parseURLForTest(raw string) (any, error) { return url.Parse(raw) }
