package postgres

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

func TestVersionAllMajors(t *testing.T) {
	for _, m := range majors {
		t.Run(strconv.Itoa(m.major), func(t *testing.T) {
			raw := testsvc.Require(t, m.env)[0]
			res := runChecks(t, newConfig(t, DatabaseURL, raw), checks.Options{}, 20*time.Second, IDConnect, IDVersion)
			wantStatus(t, res[IDConnect], checks.Pass)
			v := res[IDVersion]
			want := checks.Pass
			switch {
			case m.major <= 13:
				want = checks.Fail
			case m.major >= 18:
				want = checks.Warn
			}
			wantStatus(t, v, want)
			num, _ := v.Details.Get("server_version_num")
			if n, err := strconv.Atoi(num); err != nil || n/10000 != m.major {
				t.Fatalf("server_version_num %q is not major %d\n%s", num, m.major, describe(v))
			}
			if _, ok := v.Details.Get("flavour"); !ok {
				t.Fatalf("no flavour detail\n%s", describe(v))
			}
		})
	}
}

// probeLeftovers lists catalog objects whose names carry the probe prefix:
// schemas and tables in db, and roles cluster-wide.
func probeLeftovers(a admin, db string) []string {
	return a.queryStrings(db, `
		SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE $1
		UNION ALL SELECT 'table ' || relname FROM pg_class WHERE relname LIKE $1
		UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname LIKE $1`, ProbePrefix+"%")
}

func TestPrivileges(t *testing.T) {
	for _, m := range majors {
		t.Run(strconv.Itoa(m.major), func(t *testing.T) {
			a := newAdmin(t, m.env)
			full, fullPW := a.role("CREATEROLE")
			noCreateRole, noCreateRolePW := a.role("")
			noPublic, noPublicPW := a.role("CREATEROLE")
			noTemp, noTempPW := a.role("CREATEROLE")
			db := a.database()
			for _, r := range []string{full, noCreateRole, noPublic} {
				a.exec("", fmt.Sprintf("GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %s TO %s", quoteIdent(db), quoteIdent(r)))
			}
			// TEMP is granted to PUBLIC by default: a hardened server revokes it.
			a.exec("", fmt.Sprintf("REVOKE TEMPORARY ON DATABASE %s FROM PUBLIC", quoteIdent(db)),
				fmt.Sprintf("GRANT CREATE, CONNECT ON DATABASE %s TO %s", quoteIdent(db), quoteIdent(noTemp)))
			// Exactly the documented grants; PostgreSQL 14 and older grant
			// CREATE on public to PUBLIC anyway.
			a.exec(db, fmt.Sprintf("GRANT CREATE, USAGE ON SCHEMA public TO %s, %s, %s", quoteIdent(full), quoteIdent(noCreateRole), quoteIdent(noTemp)))

			t.Run("superuser", func(t *testing.T) {
				r := runOne(t, a.url.with("", "", db), IDPrivileges, checks.Options{})
				wantStatus(t, r, checks.Pass)
				wantDetail(t, r, "superuser", "yes")
				wantDetail(t, r, "DDL probe", "passed, rolled back")
			})
			t.Run("documented grants", func(t *testing.T) {
				r := runOne(t, a.url.with(full, fullPW, db), IDPrivileges, checks.Options{})
				wantStatus(t, r, checks.Pass)
				wantDetail(t, r, "superuser", "no")
				wantDetail(t, r, "DDL probe", "passed, rolled back")
			})
			t.Run("without CREATEROLE", func(t *testing.T) {
				r := runOne(t, a.url.with(noCreateRole, noCreateRolePW, db), IDPrivileges, checks.Options{})
				wantStatus(t, r, checks.Fail)
				fix := fmt.Sprintf("ALTER ROLE %s CREATEROLE;", quoteIdent(noCreateRole))
				if !strings.Contains(r.Advice, fix) {
					t.Fatalf("advice does not name %q\n%s", fix, describe(r))
				}
				wantDetail(t, r, "missing: the CREATEROLE attribute", fix)
				assertNoSecret(t, r, noCreateRolePW)
			})
			t.Run("without TEMP: a warning, the rest proven", func(t *testing.T) {
				r := runOne(t, a.url.with(noTemp, noTempPW, db), IDPrivileges, checks.Options{})
				wantStatus(t, r, checks.Warn)
				fix := fmt.Sprintf("GRANT TEMPORARY ON DATABASE %s TO %s;", quoteIdent(db), quoteIdent(noTemp))
				if !strings.Contains(r.Advice, fix) || !strings.Contains(r.Message, "not TEMP") {
					t.Fatalf("the warning does not name TEMP and its grant %q\n%s", fix, describe(r))
				}
				wantDetail(t, r, "DDL probe", "passed, rolled back")
				assertNoSecret(t, r, noTempPW)
			})
			t.Run("without CREATE on public", func(t *testing.T) {
				r := runOne(t, a.url.with(noPublic, noPublicPW, db), IDPrivileges, checks.Options{})
				if m.major < 15 {
					// Before 15 everyone may create in public.
					wantStatus(t, r, checks.Pass)
					return
				}
				wantStatus(t, r, checks.Fail)
				fix := fmt.Sprintf("GRANT CREATE ON SCHEMA public TO %s;", quoteIdent(noPublic))
				if !strings.Contains(r.Advice, fix) {
					t.Fatalf("advice does not name %q\n%s", fix, describe(r))
				}
			})
			if left := probeLeftovers(a, db); len(left) > 0 {
				t.Fatalf("the DDL probe left objects behind: %v", left)
			}
		})
	}
}

// TestPrivilegesProbeIsReal blocks DDL with an event trigger the catalogs
// know nothing about: only a probe that really runs the statements sees it,
// and a read-only run must not run them.
func TestPrivilegesProbeIsReal(t *testing.T) {
	a := newAdmin(t, "SPT_PG16_URL")
	role, pw := a.role("CREATEROLE")
	db := a.database()
	a.exec("", fmt.Sprintf("GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %s TO %s", quoteIdent(db), quoteIdent(role)))
	a.exec(db,
		fmt.Sprintf("GRANT CREATE, USAGE ON SCHEMA public TO %s", quoteIdent(role)),
		`CREATE FUNCTION no_tables() RETURNS event_trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'tables are frozen here'; END $$`,
		"CREATE EVENT TRIGGER no_tables ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION no_tables()")
	dbURL := a.url.with(role, pw, db)

	r := runOne(t, dbURL, IDPrivileges, checks.Options{})
	wantStatus(t, r, checks.Fail)
	if !strings.Contains(r.Message, "CREATE TABLE") || !strings.Contains(r.Message, "tables are frozen here") {
		t.Fatalf("the probe failure does not say what failed\n%s", describe(r))
	}
	wantDetail(t, r, "DDL probe", "failed at CREATE TABLE in schema public, rolled back")

	r = runOne(t, dbURL, IDPrivileges, checks.Options{ReadOnly: true})
	wantStatus(t, r, checks.Pass)
	wantDetail(t, r, "DDL probe", "skipped (--read-only)")
	if left := probeLeftovers(a, db); len(left) > 0 {
		t.Fatalf("the DDL probe left objects behind: %v", left)
	}
}

// TestPrivilegesOnStandby: a DATABASE_URL that points at a read replica
// passes the catalog test but fails the probe with a precise reason.
func TestPrivilegesOnStandby(t *testing.T) {
	raw := testsvc.Require(t, "SPT_PG_STANDBY_URL")[0]
	r := runOne(t, raw, IDPrivileges, checks.Options{})
	wantStatus(t, r, checks.Fail)
	if !strings.Contains(r.Message, "read-only") || !strings.Contains(r.Advice, "writable primary") {
		t.Fatalf("no read-only diagnosis\n%s", describe(r))
	}
}

func TestConnectFailures(t *testing.T) {
	env := testsvc.RequireMap(t, "SPT_PG17_URL", "SPT_PG_TLS_URL", "SPT_WRONG_CA_FILE")
	plain := parseURL(t, env["SPT_PG17_URL"])
	tlsURL := parseURL(t, env["SPT_PG_TLS_URL"])
	a := newAdmin(t, "SPT_PG17_URL")
	limited, limitedPW := a.role("CONNECTION LIMIT 0")
	barred, barredPW := a.role("")
	closedDB := a.database()
	a.exec("", fmt.Sprintf("REVOKE CONNECT ON DATABASE %s FROM PUBLIC", quoteIdent(closedDB)))

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	wrongPW := randomName("wrong-pw-")
	cases := []struct {
		name, url, password string
		status              checks.Status
		kind                string
	}{
		{"wrong password", plain.with("postgres", wrongPW, ""), wrongPW, checks.Fail, kindAuthPassword},
		{"missing database", plain.with("", "", randomName("nodb_")), plain.password(), checks.Fail, kindDatabaseMissing},
		{"closed port", plain.withPort(closedPort), plain.password(), checks.Fail, kindRefused},
		{"wrong CA", tlsURL.withQuery("sslrootcert", env["SPT_WRONG_CA_FILE"]), tlsURL.password(), checks.Fail, kindTLSUnknownCA},
		{"server without TLS, sslmode=require", plain.withQuery("sslmode", "require"), plain.password(), checks.Fail, kindTLSUnsupported},
		{"connection limit", plain.with(limited, limitedPW, ""), limitedPW, checks.Fail, kindTooManyConnections},
		{"no CONNECT privilege", plain.with(barred, barredPW, closedDB), barredPW, checks.Fail, kindNoConnectPrivilege},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := newConfig(t, DatabaseURL, tc.url)
			res := runChecks(t, cfg, checks.Options{}, 20*time.Second, IDConnect, IDVersion)
			r := res[IDConnect]
			wantStatus(t, r, tc.status)
			wantDetail(t, r, "failure", tc.kind)
			if r.Advice == "" {
				t.Fatalf("no advice\n%s", describe(r))
			}
			assertNoSecret(t, r, tc.password)
			// Everything that needs the connection is blocked, not run.
			v := res[IDVersion]
			if v.Status != checks.Skip || len(v.BlockedBy) != 1 || v.BlockedBy[0] != IDConnect {
				t.Fatalf("postgres.version was not blocked by connect: %s", describe(v))
			}
		})
	}
}

func TestConnectTLS(t *testing.T) {
	raw := testsvc.Require(t, "SPT_PG_TLS_URL")[0]
	r := runChecks(t, newConfig(t, DatabaseURL, raw), checks.Options{}, 20*time.Second, IDConnect)[IDConnect]
	wantStatus(t, r, checks.Pass)
	wantDetail(t, r, "encrypted", "yes")
	wantDetail(t, r, "sslmode", "verify-full")
	if v, _ := r.Details.Get("tls version"); !strings.HasPrefix(v, "TLS 1.") {
		t.Fatalf("tls version detail %q\n%s", v, describe(r))
	}
	if v, _ := r.Details.Get("certificate expires"); !strings.Contains(v, "days") {
		t.Fatalf("certificate expiry detail %q\n%s", v, describe(r))
	}
	assertNoSecret(t, r, parseURL(t, raw).password())
}

// TestConnectPlainLoopback: an unencrypted connection to 127.0.0.1 is fine
// (the traffic never leaves the host).
func TestConnectPlainLoopback(t *testing.T) {
	raw := testsvc.Require(t, "SPT_PG14_URL")[0]
	r := runChecks(t, newConfig(t, DatabaseURL, raw), checks.Options{}, 20*time.Second, IDConnect)[IDConnect]
	wantStatus(t, r, checks.Pass)
	wantDetail(t, r, "encrypted", "no")
	wantDetail(t, r, "sslmode", "disable")
}

func TestConnectSilentServerHonoursTimeout(t *testing.T) {
	pw := randomName("pw-")
	port := testsvc.SilentListener(t).Port()
	const timeout = 2 * time.Second
	for _, mode := range []string{"disable", "prefer", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			dbURL := fmt.Sprintf("postgres://app:%s@127.0.0.1:%d/spacelift?sslmode=%s&statement_cache_capacity=0", pw, port, mode)
			start := time.Now()
			r := runChecks(t, newConfig(t, DatabaseURL, dbURL), checks.Options{}, timeout, IDConnect)[IDConnect]
			if took := time.Since(start); took > timeout+time.Second {
				t.Fatalf("the check took %s, more than its timeout %s + 1s", took, timeout)
			}
			wantStatus(t, r, checks.Error)
			wantDetail(t, r, "failure", kindTimeout)
			if !strings.Contains(r.Message, "accepted the TCP connection") {
				t.Fatalf("no diagnosis of a silent server\n%s", describe(r))
			}
			assertNoSecret(t, r, pw)
		})
	}
}

func TestDatabase(t *testing.T) {
	a := newAdmin(t, "SPT_PG17_URL")
	fresh := a.database()
	foreign := a.database()
	a.exec(foreign, "CREATE SCHEMA billing", "CREATE TABLE billing.invoices (id int)", "CREATE TABLE public.orders (id int)")
	upgrade := a.database()
	a.exec(upgrade, "CREATE TABLE public.message_queue_messages (id int)", "CREATE TABLE public.accounts (id int)")

	cases := []struct {
		name, db string
		want     checks.Status
		msg      string
		install  string
	}{
		{"fresh", fresh, checks.Pass, "fresh install", "fresh"},
		{"other applications", foreign, checks.Warn, "2 tables/views and 1 schemas", "fresh"},
		{"existing Spacelift schema", upgrade, checks.Pass, "upgrade", "upgrade (Spacelift schema present)"},
		{"postgres database", "postgres", checks.Warn, "maintenance database", "fresh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, a.url.with("", "", tc.db), IDDatabase, checks.Options{})
			wantStatus(t, r, tc.want)
			if !strings.Contains(r.Message, tc.msg) {
				t.Fatalf("message does not say %q\n%s", tc.msg, describe(r))
			}
			wantDetail(t, r, "install", tc.install)
			// Every database has plpgsql: the extensions are listed, as information.
			if ext, _ := r.Details.Get("extensions"); !strings.HasPrefix(ext, "plpgsql 1.0") || !strings.Contains(ext, "information only") {
				t.Fatalf("extensions = %q\n%s", ext, describe(r))
			}
		})
	}
}

func TestSettings(t *testing.T) {
	a := newAdmin(t, "SPT_PG15_URL")
	ascii := a.database("ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	// The harness servers run with the stock max_connections of 100.
	cases := []struct {
		name, db, minConns string
		want               checks.Status
		msg                string
	}{
		{"defaults", "", "", checks.Pass, "max_connections 100"},
		{"threshold above max_connections", "", "500", checks.Warn, "max_connections is 100, below 500"},
		{"SQL_ASCII database", ascii, "", checks.Warn, "server_encoding is SQL_ASCII"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kv := []string{DatabaseURL, a.url.with("", "", tc.db)}
			if tc.minConns != "" {
				kv = append(kv, MinMaxConnections, tc.minConns)
			}
			r := runChecks(t, newConfig(t, kv...), checks.Options{}, 20*time.Second, IDConnect, IDSettings)[IDSettings]
			wantStatus(t, r, tc.want)
			if !strings.Contains(r.Message, tc.msg) {
				t.Fatalf("message does not say %q\n%s", tc.msg, describe(r))
			}
			for _, k := range []string{"statement_timeout", "TimeZone"} {
				if _, ok := r.Details.Get(k); !ok {
					t.Fatalf("no %s detail\n%s", k, describe(r))
				}
			}
		})
	}
}

// TestLatencyAndClock runs both against a real server. Their thresholds are
// far above what loopback shows, but asserting a duration would make the
// test timing-dependent, so only the clock (same host, same clock) gets a
// verdict assertion; latency must produce its measurements.
func TestLatencyAndClock(t *testing.T) {
	raw := testsvc.Require(t, "SPT_PG18_URL")[0]
	res := runChecks(t, newConfig(t, DatabaseURL, raw), checks.Options{}, 20*time.Second, IDConnect, IDLatency, IDClockSkew)
	l := res[IDLatency]
	if l.Status != checks.Pass && l.Status != checks.Warn {
		t.Fatalf("latency: %s", describe(l))
	}
	wantDetail(t, l, "samples", strconv.Itoa(latencySamples))
	if v, _ := l.Details.Get("median"); v == "" || v == "0s" {
		t.Fatalf("no median\n%s", describe(l))
	}
	c := res[IDClockSkew]
	wantStatus(t, c, checks.Pass)
	if _, ok := c.Details.Get("server time"); !ok {
		t.Fatalf("no server time\n%s", describe(c))
	}
}

func TestReadOnly(t *testing.T) {
	env := testsvc.RequireMap(t, "SPT_PG17_URL", "SPT_PG16_URL", "SPT_PG_STANDBY_URL")
	pw := parseURL(t, env["SPT_PG17_URL"]).password()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	cases := []struct {
		name, primary, replica string
		want                   checks.Status
		msg                    string
		recovery               string
	}{
		{"standby of the same major", env["SPT_PG17_URL"], env["SPT_PG_STANDBY_URL"], checks.Pass, "a replica", "true"},
		{"same instance", env["SPT_PG17_URL"], env["SPT_PG17_URL"], checks.Pass, "not a replica", "false"},
		{"other major", env["SPT_PG17_URL"], env["SPT_PG16_URL"], checks.Warn, "differs from the primary's 17", "false"},
		// The replica is judged even when the primary is down.
		{"primary unreachable", parseURL(t, env["SPT_PG17_URL"]).withPort(closedPort), env["SPT_PG_STANDBY_URL"], checks.Pass, "a replica", "true"},
		{"replica unreachable", env["SPT_PG17_URL"], parseURL(t, env["SPT_PG_STANDBY_URL"]).withPort(closedPort), checks.Fail, "DATABASE_READ_ONLY_URL: connection to", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := newConfig(t, DatabaseURL, tc.primary, DatabaseReadOnlyURL, tc.replica)
			r := runChecks(t, cfg, checks.Options{}, 20*time.Second, IDReadOnly)[IDReadOnly]
			wantStatus(t, r, tc.want)
			if !strings.Contains(r.Message, tc.msg) {
				t.Fatalf("message does not say %q\n%s", tc.msg, describe(r))
			}
			if tc.recovery != "" {
				wantDetail(t, r, "in recovery", tc.recovery)
			}
			assertNoSecret(t, r, pw)
		})
	}
}

func TestDisabledWithoutURL(t *testing.T) {
	p := checks.Build([]checks.Backend{Backend{}}, newConfig(t), checks.Options{})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{IDConnect, IDVersion, IDPrivileges, IDDatabase, IDSettings, IDLatency, IDClockSkew, IDReadOnly}
	cs := p.Checks()
	if len(cs) != len(want) {
		t.Fatalf("%d checks, want %d", len(cs), len(want))
	}
	for i, c := range cs {
		if c.ID != want[i] || c.Disabled == "" {
			t.Errorf("check %d: %s disabled=%q", i, c.ID, c.Disabled)
		}
		if c.ID != IDConnect && c.ID != IDReadOnly && (len(c.Needs) != 1 || c.Needs[0] != IDConnect) {
			t.Errorf("%s needs %v", c.ID, c.Needs)
		}
	}
	p = checks.Build([]checks.Backend{Backend{}}, newConfig(t, DatabaseURL, "postgres://u@h/db"), checks.Options{})
	for _, c := range p.Checks() {
		if c.ID == IDReadOnly && c.Disabled != "DATABASE_READ_ONLY_URL is not set" {
			t.Errorf("read-only disabled = %q", c.Disabled)
		}
		if c.ID != IDReadOnly && c.Disabled != "" {
			t.Errorf("%s disabled with DATABASE_URL set: %q", c.ID, c.Disabled)
		}
	}
}
