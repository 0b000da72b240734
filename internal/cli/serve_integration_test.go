package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// promSample is one series of a Prometheus instant query.
type promSample struct {
	Labels map[string]string
	Value  float64
}

// promQuery runs an instant query against Prometheus's HTTP API.
func promQuery(t *testing.T, base, q string) []promSample {
	t.Helper()
	code, body := fetch(t, http.MethodGet, base+"/api/v1/query?query="+url.QueryEscape(q), nil)
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); code != http.StatusOK || err != nil || resp.Status != "success" {
		t.Fatalf("query %s: %d %v\n%s", q, code, err, body)
	}
	var out []promSample
	for _, r := range resp.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out = append(out, promSample{Labels: r.Metric, Value: v})
	}
	return out
}

// promOne runs a query that must return exactly one series.
func promOne(t *testing.T, base, q string) promSample {
	t.Helper()
	got := promQuery(t, base, q)
	if len(got) != 1 {
		t.Fatalf("query %s: %d series, want 1: %+v", q, len(got), got)
	}
	return got[0]
}

// TestServeScrapedByARealPrometheus: Prometheus (the harness's, scraping
// SPT_PROMETHEUS_TARGET every second) scrapes `serve` running PostgreSQL
// checks over verified TLS and a MinIO bucket check with a wrong secret;
// its API then has the one-hot statuses, the run counter and the numeric
// evidence, with the values the servers have; promtool lints /metrics.
func TestServeScrapedByARealPrometheus(t *testing.T) {
	env := testsvc.RequireMap(t, "SPT_PROMETHEUS_URL", "SPT_PROMETHEUS_TARGET", "SPT_PROMTOOL", "SPT_PG_TLS_URL",
		"SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY")
	prom := env["SPT_PROMETHEUS_URL"]
	pgURL, err := url.Parse(env["SPT_PG_TLS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	const wrongSecret = "not-the-minio-secret-7Hq"
	cfg := minioEnvFile(t, env["SPT_PG_TLS_URL"], env["SPT_MINIO_ENDPOINT"], env["SPT_MINIO_ACCESS_KEY"], wrongSecret,
		"OBJECT_STORAGE_BUCKET_STATES=spacelift-states")
	s := startServe(t, nil, nil, nil, "--env-file", cfg, "--listen", env["SPT_PROMETHEUS_TARGET"], "--interval", "30s",
		"--only", "postgres.connect", "--only", "postgres.latency", "--only", "postgres.settings", "--only", "storage.bucket.states")

	deadline := time.Now().Add(90 * time.Second)
	for len(promQuery(t, prom, `spacectl_preflight_check_status{check="postgres.connect",status="pass"} == 1`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus has no passing postgres.connect after 90s; targets: %s\nserve log:\n%s",
				func() string { _, b := fetch(t, http.MethodGet, prom+"/api/v1/targets", nil); return b }(), s.stderr)
		}
		time.Sleep(250 * time.Millisecond)
	}

	if up := promOne(t, prom, `up{job="spacectl-preflight"}`); up.Value != 1 {
		t.Errorf("up = %v", up.Value)
	}
	status := map[string]string{}
	for _, smp := range promQuery(t, prom, `spacectl_preflight_check_status == 1`) {
		status[smp.Labels["check"]] = smp.Labels["status"]
		if smp.Labels["group"] != strings.Split(smp.Labels["check"], ".")[0] {
			t.Errorf("check %s in group %q", smp.Labels["check"], smp.Labels["group"])
		}
	}
	for id, want := range map[string]string{"postgres.connect": "pass", "postgres.latency": "pass", "storage.bucket.states": "fail"} {
		if status[id] != want {
			t.Errorf("%s is %q in Prometheus, want %s (all: %v)", id, status[id], want, status)
		}
	}
	for _, smp := range promQuery(t, prom, `count by (check) (spacectl_preflight_check_status{check=~"postgres.connect|storage.bucket.states"})`) {
		if smp.Value != 5 {
			t.Errorf("%s has %v status series, want one per status (5)", smp.Labels["check"], smp.Value)
		}
	}
	for _, smp := range promQuery(t, prom, `sum by (check) (spacectl_preflight_check_status)`) {
		if smp.Value != 1 {
			t.Errorf("%s: the status series sum to %v, want exactly one at 1", smp.Labels["check"], smp.Value)
		}
	}
	if r := promOne(t, prom, `spacectl_preflight_runs_total{result="fail"}`); r.Value < 1 {
		t.Errorf("runs_total{result=fail} = %v", r.Value)
	}
	if d := promOne(t, prom, `spacectl_preflight_run_duration_seconds`); d.Value <= 0 || d.Value > 60 {
		t.Errorf("run_duration_seconds = %v", d.Value)
	}
	ts := promOne(t, prom, `spacectl_preflight_check_last_run_timestamp_seconds{check="postgres.connect"}`)
	if age := time.Since(time.Unix(int64(ts.Value), 0)); age < 0 || age > 2*time.Minute {
		t.Errorf("last run timestamp %v is %s old", ts.Value, age)
	}

	// Latency and connection figures against the server's own.
	if l := promOne(t, prom, `spacectl_preflight_postgres_latency_seconds{check="postgres.latency"}`); l.Value <= 0 || l.Value > 0.5 {
		t.Errorf("latency %v s on loopback", l.Value)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, env["SPT_PG_TLS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// The certificate the PostgreSQL TLS listener serves.
	tc, ok := conn.PgConn().Conn().(*tls.Conn)
	if !ok {
		t.Fatalf("the connection to %s is not TLS", pgURL.Host)
	}
	notAfter := tc.ConnectionState().PeerCertificates[0].NotAfter
	c := promOne(t, prom, `spacectl_preflight_certificate_not_after_timestamp_seconds`)
	if c.Labels["check"] != "postgres.connect" || c.Labels["endpoint"] != pgURL.Host || int64(c.Value) != notAfter.Unix() {
		t.Errorf("certificate series %+v, want check postgres.connect, endpoint %s, value %d", c, pgURL.Host, notAfter.Unix())
	}
	var maxConns, reserved int
	if err := conn.QueryRow(ctx, "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int").Scan(&maxConns, &reserved); err != nil {
		t.Fatal(err)
	}
	if m := promOne(t, prom, `spacectl_preflight_postgres_max_connections`); int(m.Value) != maxConns {
		t.Errorf("max_connections %v, the server says %d", m.Value, maxConns)
	}
	inUse := promOne(t, prom, `spacectl_preflight_postgres_connections_in_use`).Value
	if h := promOne(t, prom, `spacectl_preflight_postgres_connection_headroom`); inUse < 1 || h.Value != float64(maxConns-reserved)-inUse {
		t.Errorf("headroom %v with %v in use of %d (%d reserved)", h.Value, inUse, maxConns, reserved)
	}

	// Labels carry IDs, statuses and host:port only: never the password or
	// the secret of the configuration.
	pgPass, _ := pgURL.User.Password()
	for _, smp := range promQuery(t, prom, `{__name__=~"spacectl_preflight_.+"}`) {
		for k, v := range smp.Labels {
			switch k {
			case "__name__", "job", "instance", "check", "group", "status", "result", "endpoint":
			default:
				t.Errorf("unexpected label %s=%q on %s", k, v, smp.Labels["__name__"])
			}
			if strings.Contains(v, wrongSecret) || (pgPass != "" && strings.Contains(v, pgPass)) {
				t.Errorf("label %s of %s holds a secret", k, smp.Labels["__name__"])
			}
		}
	}

	// promtool lints what Prometheus scraped.
	_, metrics := fetch(t, http.MethodGet, s.base+"/metrics", nil)
	cmd := exec.Command(env["SPT_PROMTOOL"], "check", "metrics")
	cmd.Stdin = strings.NewReader(metrics)
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if code := s.stop(); code != ExitOK {
		t.Errorf("serve stopped with exit %d\n%s", code, s.stderr)
	}
}

// TestServeSIGTERMMidRunRemovesTheProbe: with --write-probes, SIGTERM
// arrives while the bucket check's probe object exists (a proxy in front of
// MinIO holds the probe's read-back until the run is cancelled). serve
// exits 0, and the object is gone: the check removed it on its own
// deadline.
func TestServeSIGTERMMidRunRemovesTheProbe(t *testing.T) {
	env := testsvc.RequireMap(t, "SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY")
	mc, err := minio.New(env["SPT_MINIO_ENDPOINT"], &minio.Options{Creds: credentials.NewStaticV4(env["SPT_MINIO_ACCESS_KEY"], env["SPT_MINIO_SECRET_KEY"], "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	bucket := "serve-sigterm-" + hex.EncodeToString(rnd[:])
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	probes := func() []string {
		var keys []string
		for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			keys = append(keys, o.Key)
		}
		return keys
	}

	target, _ := url.Parse("http://" + env["SPT_MINIO_ENDPOINT"])
	rp := httputil.NewSingleHostReverseProxy(target)
	held := make(chan struct{})
	var once sync.Once
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/spacectl-preflight/") {
			hold := false
			once.Do(func() { hold = true })
			if hold {
				// The probe object is written; hold its read-back until the
				// check gives up (the run is cancelled).
				close(held)
				select {
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	cfg := minioEnvFile(t, "", strings.TrimPrefix(proxy.URL, "http://"), env["SPT_MINIO_ACCESS_KEY"], env["SPT_MINIO_SECRET_KEY"],
		"OBJECT_STORAGE_BUCKET_UPLOADS="+bucket) // not states or modules, which the probe spares by default
	s := startServe(t, nil, nil, nil, "--env-file", cfg, "--listen", "127.0.0.1:0", "--write-probes", "--only", "storage.bucket.uploads")
	select {
	case <-held:
	case <-time.After(90 * time.Second):
		t.Fatalf("the probe was never read back\n%s", s.stderr)
	}
	if keys := probes(); len(keys) != 1 || !strings.HasPrefix(keys[0], "spacectl-preflight/") {
		t.Fatalf("mid-run the bucket holds %v, want the one probe object", keys)
	}
	start := time.Now()
	if code := s.stop(); code != ExitOK {
		t.Errorf("serve exited %d after SIGTERM, want 0\n%s", code, s.stderr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("serve took %s to stop", took)
	}
	if keys := probes(); len(keys) != 0 {
		t.Errorf("the probe object was left behind: %v\n%s", keys, s.stderr)
	}
	if resp, err := http.Get(s.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after it stopped")
	}
}
