package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// evidenceReport has one check for each numeric evidence, plus values
// that must not become series: an endpoint that is not host:port, prose
// where a number belongs.
func evidenceReport() Report {
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	es := []Entry{
		{ID: "config.values", Group: "config", Status: checks.Warn,
			Details: checks.Details{checks.KV(checks.EvidenceLicenseNotAfter, "2026-04-01T00:00:00Z")}},
		{ID: "postgres.connect", Group: "postgres", Status: checks.Pass, Duration: 1500 * time.Millisecond,
			Details: append(checks.Details{checks.KV("server", "db:5432")}, checks.CertificateEvidence("db.example.com:5432", notAfter)...)},
		{ID: "postgres.read-only", Group: "postgres", Status: checks.Pass,
			Details: checks.CertificateEvidence("replica with spaces:5432", notAfter)},
		{ID: "postgres.latency", Group: "postgres", Status: checks.Pass,
			Details: checks.Details{checks.KV("median", "1.25ms"), checks.KV("min", "1ms")}},
		{ID: "postgres.settings", Group: "postgres", Status: checks.Pass,
			Details: checks.Details{checks.KV("max_connections", 100), checks.KV("superuser_reserved_connections", 3), checks.KV("client connections in use", 7)}},
		{ID: "queue.sqs.dlq", Group: "queue", Status: checks.Fail,
			Details: checks.Details{checks.KV(checks.EvidenceQueueMessages, 42)}},
		{ID: "queue.sqs.async", Group: "queue", Status: checks.Pass,
			Details: checks.Details{checks.KV(checks.EvidenceQueueMessages, "many")}},
		// A detail named like another check's evidence is not read.
		{ID: "mqtt.connect", Group: "mqtt", Status: checks.Error, Details: checks.Details{checks.KV("median", "9s")}},
	}
	return Report{StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Duration: 4 * time.Second, Results: es, Summary: Summarize(es)}
}

func TestPrometheusFileCarriesStatusTimingAndEvidence(t *testing.T) {
	var buf bytes.Buffer
	if err := Prometheus(&buf, evidenceReport(), Options{}); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("not the text format: %v\n%s", err, text)
	}
	for _, want := range []string{
		`spacectl_preflight_check_status{check="queue.sqs.dlq",group="queue",status="fail"} 1`,
		`spacectl_preflight_check_status{check="queue.sqs.dlq",group="queue",status="pass"} 0`,
		`spacectl_preflight_check_duration_seconds{check="postgres.connect",group="postgres"} 1.5`,
		`spacectl_preflight_check_last_run_timestamp_seconds{check="postgres.connect",group="postgres"} 1.772366404e+09`,
		`spacectl_preflight_run_duration_seconds 4`,
		`spacectl_preflight_certificate_not_after_timestamp_seconds{check="postgres.connect",endpoint="db.example.com:5432"} 1.798859045e+09`,
		`spacectl_preflight_license_not_after_timestamp_seconds{check="config.values"} 1.775001600e+09`,
		`spacectl_preflight_queue_messages{check="queue.sqs.dlq"} 42`,
		`spacectl_preflight_postgres_latency_seconds{check="postgres.latency"} 0.00125`,
		`spacectl_preflight_postgres_max_connections{check="postgres.settings"} 100`,
		`spacectl_preflight_postgres_connections_in_use{check="postgres.settings"} 7`,
		`spacectl_preflight_postgres_connection_headroom{check="postgres.settings"} 90`,
	} {
		if !strings.Contains(text, strings.Replace(want, "1.775001600e+09", "1.7750016e+09", 1)) {
			t.Errorf("missing %s\n%s", want, text)
		}
	}
	for _, bad := range []string{"replica with spaces", `check="queue.sqs.async"} `, `postgres_latency_seconds{check="mqtt.connect"}`, "runs_total"} {
		if strings.Contains(text, bad) {
			t.Errorf("the file holds %q, which must not become a series", bad)
		}
	}
	if n := len(families); n != 11 {
		t.Errorf("%d metric families, want 11", n)
	}
}

// TestMetricsPassTheLinter: names, units, help and types follow the
// Prometheus conventions (promtool's rules), counter included.
func TestMetricsPassTheLinter(t *testing.T) {
	r := evidenceReport()
	c := NewMetricsCollector(func() MetricsSnapshot {
		return MetricsSnapshot{Last: &r, Finished: r.StartedAt, Runs: map[checks.Status]uint64{checks.Fail: 2}}
	})
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n := testutil.CollectAndCount(c, "spacectl_preflight_runs_total"); n != 5 {
		t.Errorf("%d runs_total series, want one per status", n)
	}
}

// TestNoRunYetExportsOnlyTheCounter: before the first run there is no
// status to report, and no stale zero either.
func TestNoRunYetExportsOnlyTheCounter(t *testing.T) {
	c := NewMetricsCollector(func() MetricsSnapshot { return MetricsSnapshot{Runs: map[checks.Status]uint64{}} })
	if n := testutil.CollectAndCount(c); n != 5 {
		t.Errorf("%d series before the first run, want the 5 run counters", n)
	}
}
