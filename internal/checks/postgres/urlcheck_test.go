package postgres

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestUnencodedPasswordNeverLeaks is the paste: a password with
// `@ : / %` written into DATABASE_URL as it is. pgx cannot parse it (and
// quotes the rest of the password when it says so); config.values and
// postgres.connect must say which characters to encode, and where, without
// a fragment of the password. The same password, encoded as the advice
// says, connects to the real server.
func TestUnencodedPasswordNeverLeaks(t *testing.T) {
	a := newAdmin(t, "SPT_PG17_URL")
	pw := "SecrP@ss:w/rd%Kx9-" + randomName("")
	role := randomName("spt_role_")
	a.exec("", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", quoteIdent(role), pw))
	t.Cleanup(func() { a.exec("", fmt.Sprintf("DROP ROLE IF EXISTS %s", quoteIdent(role))) })
	host := a.url.u.Host

	pasted := "postgres://" + role + ":" + pw + "@" + host + "/postgres?sslmode=disable"
	cfg := newConfig(t, DatabaseURL, pasted)
	steps, texts := reviewTexts(cfg)
	if len(steps) != 1 || steps[0].Status != checks.Fail {
		t.Fatalf("config.values: %+v", steps)
	}
	want := "the password contains characters that must be URL-encoded: `@` at character 6, `/` at character 11 and `%` not followed by two hexadecimal digits at character 14"
	if !strings.Contains(steps[0].Message, want) || !strings.Contains(steps[0].Advice, "`%` as `%25`") {
		t.Errorf("config.values does not say what to encode:\n%s\n%s", steps[0].Message, steps[0].Advice)
	}
	assertNoFragment(t, texts, pw)

	r := runChecks(t, cfg, checks.Options{}, 20*time.Second, IDConnect)[IDConnect]
	wantStatus(t, r, checks.Fail)
	wantDetail(t, r, "failure", kindConfig)
	if !strings.Contains(r.Message, want) {
		t.Errorf("postgres.connect does not say what to encode:\n%s", describe(r))
	}
	assertNoFragment(t, resultTexts(r), pw)

	// The advice followed: the same password, URL-encoded, logs in.
	encoded := "postgres://" + url.UserPassword(role, pw).String() + "@" + host + "/postgres?sslmode=disable"
	r = runChecks(t, newConfig(t, DatabaseURL, encoded), checks.Options{}, 20*time.Second, IDConnect)[IDConnect]
	wantStatus(t, r, checks.Pass)
}

// TestMisreadPasswordIsNotDialled: a password with an un-encoded '@' that
// pgx parses anyway (the rest of the password becomes the host) is
// reported as written wrong, and its tail is never looked up in DNS or
// quoted as a host name.
func TestMisreadPasswordIsNotDialled(t *testing.T) {
	addr := testsvc.Require(t, "SPT_PG17_URL")[0]
	host := parseURL(t, addr).u.Host
	pw := "Xy7@Tail-" + randomName("")
	raw := "postgres://spacelift:" + pw + "@" + host + "/spacelift"
	cfg := newConfig(t, DatabaseURL, raw)
	steps, texts := reviewTexts(cfg)
	if len(steps) != 1 || !strings.Contains(steps[0].Message, "`@` at character 4") {
		t.Fatalf("config.values: %+v", steps)
	}
	assertNoFragment(t, texts, pw)
	start := time.Now()
	r := runChecks(t, cfg, checks.Options{}, 20*time.Second, IDConnect)[IDConnect]
	wantDetail(t, r, "failure", kindConfig)
	if !strings.Contains(r.Message, "`@` at character 4") || time.Since(start) > 2*time.Second {
		t.Errorf("not reported as a misread URL (or dialled):\n%s", describe(r))
	}
	assertNoFragment(t, resultTexts(r), pw)
}

// TestParseErrorsQuoteNoInput: whatever pgx quotes from the input (a
// query value, a database name, a port) stays out of the message.
func TestParseErrorsQuoteNoInput(t *testing.T) {
	const marker = "Qx7zMarker"
	for _, raw := range []string{
		"postgres://u:p@h/db?target_session_attrs=" + marker,
		"postgres://u:p@h/" + marker + "%zz",
		"postgres://u:p@h:" + marker + "/db",
		"postgres://u:p@h/db?" + marker,
		"host=h password=" + marker + " sslmode=" + marker,
	} {
		steps, texts := reviewTexts(newConfig(t, DatabaseURL, raw))
		if len(steps) != 1 || steps[0].Status != checks.Fail {
			t.Errorf("%s: %+v", raw, steps)
			continue
		}
		for _, s := range texts {
			if strings.Contains(s, "Qx7z") {
				t.Errorf("%s: quoted in %q", raw, s)
			}
		}
	}
}
