package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/leaktest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// majors are the PostgreSQL versions the harness runs, with their URL
// variables.
var majors = []struct {
	major int
	env   string
}{
	{13, "SPT_PG13_URL"}, {14, "SPT_PG14_URL"}, {15, "SPT_PG15_URL"},
	{16, "SPT_PG16_URL"}, {17, "SPT_PG17_URL"}, {18, "SPT_PG18_URL"},
}

// newConfig builds a configuration from variable name/value pairs.
func newConfig(t *testing.T, kv ...string) *config.Config {
	t.Helper()
	cfg := config.New(checks.MustCatalog([]checks.Backend{Backend{}}))
	for i := 0; i+1 < len(kv); i += 2 {
		v, ok := cfg.Catalog().Lookup(kv[i])
		if !ok {
			t.Fatalf("unknown variable %s", kv[i])
		}
		cfg.Set(v, kv[i+1], config.Source{Kind: config.FromEnv, Var: kv[i]})
	}
	return cfg
}

// runChecks registers the postgres checks for cfg and runs the given IDs
// (and nothing else) through the real runner, without its scrubber, so a
// leak in a check's own output is visible.
func runChecks(t *testing.T, cfg *config.Config, opts checks.Options, timeout time.Duration, ids ...string) map[string]checks.Result {
	t.Helper()
	p := checks.Build([]checks.Backend{Backend{}}, cfg, opts)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	outs := checks.Run(context.Background(), p.Checks(), checks.RunOptions{CheckTimeout: timeout, Only: ids})
	res := map[string]checks.Result{}
	for _, o := range outs {
		res[o.Check.ID] = o.Result
	}
	return res
}

// runOne runs a single check of a plan for DATABASE_URL=dbURL.
func runOne(t *testing.T, dbURL, id string, opts checks.Options) checks.Result {
	t.Helper()
	return runChecks(t, newConfig(t, DatabaseURL, dbURL), opts, 20*time.Second, IDConnect, id)[id]
}

func describe(r checks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", r.Status, r.Message)
	if r.Advice != "" {
		fmt.Fprintf(&b, "\n  advice: %s", r.Advice)
	}
	for _, d := range r.Details {
		fmt.Fprintf(&b, "\n  %s = %s", d.Key, d.Value)
	}
	return b.String()
}

func wantStatus(t *testing.T, r checks.Result, want checks.Status) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %s, want %s\n%s", r.Status, want, describe(r))
	}
}

func wantDetail(t *testing.T, r checks.Result, key, want string) {
	t.Helper()
	if got, ok := r.Details.Get(key); !ok || got != want {
		t.Fatalf("detail %q = %q, want %q\n%s", key, got, want, describe(r))
	}
}

// assertNoSecret fails when pw appears anywhere in the Result.
func assertNoSecret(t *testing.T, r checks.Result, pw string) {
	t.Helper()
	if pw == "" {
		t.Fatal("empty secret: the leak test would prove nothing")
	}
	for _, s := range resultTexts(r) {
		if strings.Contains(s, pw) {
			t.Fatalf("the password appears in the result: %q\n%s", s, describe(r))
		}
	}
}

// assertNoFragment fails when pw, or any fragment of it, appears in any of
// the texts.
func assertNoFragment(t *testing.T, texts []string, pw string) {
	t.Helper()
	for _, s := range texts {
		if f := leaktest.Found(s, pw); f != "" {
			t.Fatalf("the password's fragment %q appears in %q", f, s)
		}
	}
}

// reviewTexts runs the backend's offline review (what config.values
// reports) and returns every text of its steps.
func reviewTexts(cfg *config.Config) ([]checks.Step, []string) {
	r := checks.ReviewAll([]checks.Backend{Backend{}}, cfg, time.Now())
	var out []string
	for _, s := range r.Values.Steps() {
		out = append(out, s.Name, s.Message, s.Advice)
	}
	return r.Values.Steps(), out
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// pgURL is a parsed test URL that can be varied.
type pgURL struct{ u *url.URL }

func parseURL(t *testing.T, raw string) pgURL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return pgURL{u}
}

func (p pgURL) password() string { pw, _ := p.u.User.Password(); return pw }

func (p pgURL) with(user, password, db string) string {
	u := *p.u
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	if db != "" {
		u.Path = "/" + db
	}
	return u.String()
}

func (p pgURL) withQuery(key, value string) string {
	u := *p.u
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func (p pgURL) withPort(port int) string {
	u := *p.u
	u.Host = fmt.Sprintf("%s:%d", u.Hostname(), port)
	return u.String()
}

// admin is a superuser connection for test fixtures.
type admin struct {
	t   *testing.T
	url pgURL
	raw string
}

func newAdmin(t *testing.T, env string) admin {
	t.Helper()
	raw := testsvc.Require(t, env)[0]
	return admin{t: t, url: parseURL(t, raw), raw: raw}
}

// exec runs statements on database db (empty: the URL's own).
func (a admin) exec(db string, stmts ...string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw := a.raw
	if db != "" {
		raw = a.url.with("", "", db)
	}
	c, err := pgx.Connect(ctx, raw)
	if err != nil {
		a.t.Fatalf("admin connect: %v", err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			a.t.Fatalf("admin %q: %v", s, err)
		}
	}
}

// queryStrings returns the first column of every row.
func (a admin) queryStrings(db, sql string, args ...any) []string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, a.url.with("", "", db))
	if err != nil {
		a.t.Fatalf("admin connect: %v", err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		a.t.Fatalf("admin query: %v", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		a.t.Fatalf("admin query: %v", err)
	}
	return out
}

// database creates a database dropped at cleanup.
func (a admin) database(extra ...string) string {
	a.t.Helper()
	name := randomName("spt_db_")
	a.exec("", fmt.Sprintf("CREATE DATABASE %s %s", quoteIdent(name), strings.Join(extra, " ")))
	a.t.Cleanup(func() { a.exec("", fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", quoteIdent(name))) })
	return name
}

// role creates a login role with the given attributes, dropped at
// cleanup (after the databases created later, whose cleanups run first),
// and returns its name and password.
func (a admin) role(attrs string) (string, string) {
	a.t.Helper()
	name, pw := randomName("spt_role_"), randomName("pw")
	a.exec("", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' %s", quoteIdent(name), pw, attrs))
	a.t.Cleanup(func() { a.exec("", fmt.Sprintf("DROP ROLE IF EXISTS %s", quoteIdent(name))) })
	return name, pw
}
