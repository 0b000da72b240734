package postgres

import (
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

func TestVersionVerdict(t *testing.T) {
	cases := []struct {
		num  int
		text string
		want checks.Status
	}{
		{90624, "9.6.24", checks.Fail},
		{130023, "13.23", checks.Fail},
		{140023, "14.23", checks.Pass},
		{150018, "15.18 (Debian 15.18-0+deb12u1)", checks.Pass},
		{170010, "17.10", checks.Pass},
		{180004, "18.4", checks.Warn},
		{190000, "19devel", checks.Warn},
	}
	for _, tc := range cases {
		got := versionVerdict(tc.num, tc.text)
		if got.Status != tc.want {
			t.Errorf("versionVerdict(%d) = %s (%s), want %s", tc.num, got.Status, got.Message, tc.want)
		}
		if got.Status != checks.Pass && got.Advice == "" {
			t.Errorf("versionVerdict(%d): no advice", tc.num)
		}
	}
}

func TestFlavour(t *testing.T) {
	cases := []struct {
		f    serverFacts
		want string
	}{
		{serverFacts{aurora: true, rds: true}, "Aurora"},
		{serverFacts{rds: true}, "RDS"},
		{serverFacts{cloudSQL: true}, "Cloud SQL"},
		{serverFacts{azure: true}, "Azure"},
		{serverFacts{text: "15.18 (Debian 15.18-0+deb12u1)"}, "Debian"},
		{serverFacts{text: "17.10"}, "not recognised"},
	}
	for _, tc := range cases {
		if got := tc.f.flavour(); !strings.Contains(got, tc.want) {
			t.Errorf("flavour(%+v) = %q, want it to mention %q", tc.f, got, tc.want)
		}
	}
}

func TestMissingRights(t *testing.T) {
	full := rights{role: "app", db: "spacelift", createRole: true, dbCreate: true, dbConnect: true, dbTemp: true,
		publicExists: true, schemaCreate: true, schemaUsage: true}
	if m := full.missing(); len(m) != 0 {
		t.Fatalf("full rights: missing %v", m)
	}
	super := rights{role: "postgres", db: "x", super: true}
	if m := super.missing(); len(m) != 0 {
		t.Fatalf("superuser: missing %v", m)
	}
	odd := full
	odd.role, odd.db = `we"ird Role`, "my-db"
	odd.createRole, odd.schemaCreate, odd.dbTemp = false, false, false
	var fixes []string
	for _, m := range odd.missing() {
		fixes = append(fixes, m.fix)
	}
	want := []string{
		`ALTER ROLE "we""ird Role" CREATEROLE;`,
		`GRANT TEMPORARY ON DATABASE "my-db" TO "we""ird Role";`,
		`GRANT CREATE ON SCHEMA public TO "we""ird Role";`,
	}
	if strings.Join(fixes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fixes:\n%s\nwant:\n%s", strings.Join(fixes, "\n"), strings.Join(want, "\n"))
	}
	nopublic := full
	nopublic.publicExists = false
	m := nopublic.missing()
	if len(m) != 1 || m[0].fix != `CREATE SCHEMA public AUTHORIZATION "app";` {
		t.Fatalf("missing public: %v", m)
	}
}

func TestDatabaseVerdict(t *testing.T) {
	cases := []struct {
		name string
		d    dbContents
		want checks.Status
		msg  string
	}{
		{"fresh", dbContents{name: "spacelift"}, checks.Pass, "fresh install"},
		{"postgres db", dbContents{name: "postgres"}, checks.Warn, "default maintenance database"},
		{"template", dbContents{name: "template1", template: true}, checks.Warn, "template"},
		{"other apps", dbContents{name: "spacelift", relCount: 3, relSample: []string{"public.orders"}}, checks.Warn, "not empty"},
		{"other schema only", dbContents{name: "spacelift", schemas: []string{"billing"}}, checks.Warn, "1 schemas"},
		{"upgrade", dbContents{name: "spacelift", relCount: 80, markers: []string{"public.message_queue_messages"}}, checks.Pass, "upgrade"},
		{"upgrade in postgres db", dbContents{name: "postgres", relCount: 80, markers: []string{"public.message_queue_messages"}}, checks.Warn, "upgrade"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := databaseVerdict(tc.d)
			if got.Status != tc.want || !strings.Contains(got.Message, tc.msg) {
				t.Fatalf("got %s %q, want %s containing %q", got.Status, got.Message, tc.want, tc.msg)
			}
			if got.Status == checks.Warn && got.Advice == "" {
				t.Fatal("warning without advice")
			}
		})
	}
}

func TestSettingsVerdict(t *testing.T) {
	ok := serverSettings{encoding: "UTF8", maxConnections: 200, statementTimeout: "0", timezone: "UTC"}
	if r := settingsVerdict(ok, 100, "spacelift"); r.Status != checks.Pass {
		t.Fatalf("ok settings: %s %s", r.Status, r.Message)
	}
	low := ok
	low.maxConnections = 87
	if r := settingsVerdict(low, 100, "spacelift"); r.Status != checks.Warn || !strings.Contains(r.Message, "87") || !strings.Contains(r.Advice, "max_connections") {
		t.Fatalf("low max_connections: %s %s", r.Status, r.Message)
	}
	latin := ok
	latin.encoding = "LATIN1"
	if r := settingsVerdict(latin, 100, "spacelift"); r.Status != checks.Warn || !strings.Contains(r.Advice, `CREATE DATABASE "spacelift" ENCODING 'UTF8' TEMPLATE template0`) {
		t.Fatalf("latin1: %s %s %s", r.Status, r.Message, r.Advice)
	}
	for _, k := range []string{"statement_timeout", "TimeZone", "max_connections", "server_encoding"} {
		if _, ok := settingsVerdict(ok, 100, "x").Details.Get(k); !ok {
			t.Errorf("detail %s missing", k)
		}
	}
}

func TestLatencyVerdict(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	// One slow outlier must not move the median.
	if r := latencyVerdict(ms(1, 1, 2, 1, 900, 1, 2, 1, 1)); r.Status != checks.Pass {
		t.Fatalf("fast with an outlier: %s %s", r.Status, r.Message)
	}
	if r := latencyVerdict(ms(25, 30, 28, 27, 26, 31, 29, 25, 24)); r.Status != checks.Warn || r.Advice == "" {
		t.Fatalf("slow: %s %s", r.Status, r.Message)
	}
	if m := median(ms(3, 1, 2)); m != 2*time.Millisecond {
		t.Fatalf("median = %s", m)
	}
}

func TestSkewVerdict(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		skew time.Duration
		want checks.Status
		dir  string
	}{
		{0, checks.Pass, ""},
		{29 * time.Second, checks.Pass, "ahead"},
		{-31 * time.Second, checks.Warn, "behind"},
		{5 * time.Minute, checks.Warn, "ahead"},
	}
	for _, tc := range cases {
		r := skewVerdict(skewReading{server: now.Add(tc.skew), local: now, rtt: time.Millisecond})
		if r.Status != tc.want || !strings.Contains(r.Message, tc.dir) {
			t.Errorf("skew %s: %s %q", tc.skew, r.Status, r.Message)
		}
	}
}

func TestCertWarnings(t *testing.T) {
	now := time.Now()
	fresh := testCert(t, "fresh", now.Add(90*24*time.Hour))
	soon := testCert(t, "soon", now.Add(10*24*time.Hour))
	edge := testCert(t, "edge", now.Add(30*24*time.Hour-time.Minute))
	if w := certWarnings([]*x509.Certificate{fresh}, now); len(w) != 0 {
		t.Fatalf("fresh cert warned: %v", w)
	}
	if w := certWarnings([]*x509.Certificate{soon}, now); len(w) != 1 || !strings.Contains(w[0].msg, "server certificate") || !strings.Contains(w[0].msg, "in 9 days") {
		t.Fatalf("soon: %v", w)
	}
	if w := certWarnings([]*x509.Certificate{edge}, now); len(w) != 1 {
		t.Fatalf("under 30 days must warn: %v", w)
	}
	if w := certWarnings([]*x509.Certificate{fresh, soon}, now); len(w) != 1 || !strings.Contains(w[0].msg, "intermediate") {
		t.Fatalf("intermediate: %v", w)
	}
}

func TestSSLModeDerivation(t *testing.T) {
	for _, mode := range []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			cfg, err := pgconn.ParseConfig("postgres://u:p@db.example.com:5432/x?sslmode=" + mode)
			if err != nil {
				t.Fatal(err)
			}
			if got := sslMode(cfg); got != mode {
				t.Fatalf("sslMode = %q", got)
			}
		})
	}
	t.Run("default is prefer", func(t *testing.T) {
		t.Setenv("PGSSLMODE", "")
		cfg, err := pgconn.ParseConfig("postgres://u:p@db.example.com/x")
		if err != nil {
			t.Fatal(err)
		}
		if got := sslMode(cfg); got != "prefer" {
			t.Fatalf("sslMode = %q", got)
		}
	})
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "::1": true, "[::1]": true, "/var/run/postgresql": true,
		"db.example.com": false, "10.0.0.5": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v", host, got)
		}
	}
}

func TestPlaintextWarning(t *testing.T) {
	remote := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 5432} }
	cases := []struct {
		name      string
		encrypted bool
		host      string
		addr      net.Addr
		warn      bool
	}{
		{"plain to a remote host", false, "db.internal", remote("10.0.0.5"), true},
		{"plain to a public IP", false, "203.0.113.7", remote("203.0.113.7"), true},
		{"encrypted to a remote host", true, "db.internal", remote("10.0.0.5"), false},
		{"plain to 127.0.0.1 (Cloud SQL Auth Proxy)", false, "127.0.0.1", remote("127.0.0.1"), false},
		{"plain to a name that resolves to loopback", false, "db.local", remote("127.0.0.1"), false},
		{"plain over a Unix socket", false, "/var/run/postgresql", &net.UnixAddr{Name: "/var/run/postgresql/.s.PGSQL.5432", Net: "unix"}, false},
	}
	for _, tc := range cases {
		w := plaintextWarning(tc.encrypted, tc.addr, &endpoint{Host: tc.host, Port: 5432})
		if (w != nil) != tc.warn {
			t.Errorf("%s: warning = %v, want %v", tc.name, w, tc.warn)
		}
		if w != nil && (!strings.Contains(w.msg, "not encrypted") || !strings.Contains(w.advice, "sslmode=verify-full")) {
			t.Errorf("%s: %+v", tc.name, w)
		}
	}
}
