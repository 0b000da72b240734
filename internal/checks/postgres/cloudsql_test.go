package postgres

import (
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

func TestCloudSQLAdviceOnlyWhereItApplies(t *testing.T) {
	refused := wrapped(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED})
	loop := &endpoint{Host: "127.0.0.1", Port: 6543, SSLMode: "disable"}
	remote := &endpoint{Host: "db.internal", Port: 5432, SSLMode: "disable"}
	socket := &endpoint{Host: "/cloudsql/my-project:us-central1:spacelift-db", Port: 5432, SSLMode: "disable"}
	cases := []struct {
		name string
		ep   *endpoint
		gcp  bool
		want string // "" means no proxy advice
	}{
		{"a local PostgreSQL, nothing says Google Cloud", loop, false, ""},
		{"loopback on Google Cloud is the proxy sidecar", loop, true, "--port=6543 INSTANCE_CONNECTION_NAME"},
		{"a remote host on Google Cloud", remote, true, ""},
		{"the proxy's socket names the instance", socket, false, "--port=5432 my-project:us-central1:spacelift-db"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := classify(refused, c.ep, time.Second).withCloudSQL(c.ep, c.gcp)
			has := strings.Contains(f.Advice, "cloud-sql-proxy")
			if c.want == "" && has {
				t.Fatalf("proxy advice without a reason:\n%s", f.Advice)
			}
			if c.want != "" && (!has || !strings.Contains(f.Advice, c.want)) {
				t.Fatalf("advice lacks %q:\n%s", c.want, f.Advice)
			}
		})
	}
	for host, want := range map[string]string{
		"my-project:us-central1:db": "my-project:us-central1:db", "/cloudsql/example.com:proj:europe-west3:db": "example.com:proj:europe-west3:db",
		"db.internal": "", "127.0.0.1": "", "/var/run/postgresql": "", "a:b:c": "",
	} {
		if got := cloudSQLInstance(host); got != want {
			t.Errorf("cloudSQLInstance(%q) = %q, want %q", host, got, want)
		}
	}
}

// TestConnectAdviceFollowsTheStorageType runs postgres.connect against a
// closed loopback port: the proxy is suggested only when
// OBJECT_STORAGE_TYPE=gcp.
func TestConnectAdviceFollowsTheStorageType(t *testing.T) {
	addr := testsvc.ClosedAddr(t)
	cat, err := config.NewCatalog(append(Backend{}.Vars(), config.Spacelift(storageTypeVar, "objectStorage.type", "storage type")))
	if err != nil {
		t.Fatal(err)
	}
	for _, storage := range []string{"", "aws", "gcp"} {
		cfg := config.New(cat)
		v, _ := cat.Lookup(DatabaseURL)
		cfg.Set(v, "postgres://app:pw-unique-1@"+addr+"/db?sslmode=disable", config.Source{Kind: config.FromEnv, Var: DatabaseURL})
		if storage != "" {
			sv, _ := cat.Lookup(storageTypeVar)
			cfg.Set(sv, storage, config.Source{Kind: config.FromEnv, Var: storageTypeVar})
		}
		r := runChecks(t, cfg, checks.Options{}, 10*time.Second, IDConnect)[IDConnect]
		wantDetail(t, r, "failure", kindRefused)
		if has := strings.Contains(r.Advice, "cloud-sql-proxy"); has != (storage == "gcp") {
			t.Errorf("OBJECT_STORAGE_TYPE=%q: proxy advice %v\n%s", storage, has, describe(r))
		}
	}
}
