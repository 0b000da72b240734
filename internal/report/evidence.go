package report

import (
	"net"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// evidenceGauge is a number a check observed, exported as a gauge of its
// own: it reads one machine-readable detail (checks.Evidence* keys, or a
// whole-number detail of one check), never prose. Its labels are the check
// ID and, for certificates, the endpoint as host:port; never free text.
type evidenceGauge struct {
	desc *prometheus.Desc
	// check limits the gauge to one check's details; "" reads any check.
	check string
	// read returns the value and the labels after "check"; ok false when
	// the details do not hold it (e.g. the check failed before measuring).
	read func(d checks.Details) (v float64, labels []string, ok bool)
}

// evidenceGauges is the table of numeric evidence (docs/serve.md).
func evidenceGauges() []evidenceGauge {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(MetricPrefix+name, help, append([]string{"check"}, labels...), nil)
	}
	return []evidenceGauge{
		{desc: desc("certificate_not_after_timestamp_seconds", "Expiry (notAfter) of the certificate each checked TLS endpoint served (Unix time).", "endpoint"),
			read: certificateExpiry},
		{desc: desc("license_not_after_timestamp_seconds", "Expiry of the licence token (its exp claim, Unix time)."),
			read: func(d checks.Details) (float64, []string, bool) { return timestamp(d, checks.EvidenceLicenseNotAfter) }},
		{desc: desc("queue_messages", "Messages an SQS queue holds (visible, in flight and delayed); the dead-letter queues' depth."),
			read: func(d checks.Details) (float64, []string, bool) { return whole(d, checks.EvidenceQueueMessages) }},
		{desc: desc("postgres_latency_seconds", "Median round trip to PostgreSQL."), check: "postgres.latency",
			read: func(d checks.Details) (float64, []string, bool) { return duration(d, "median") }},
		{desc: desc("postgres_max_connections", "PostgreSQL's max_connections."), check: "postgres.settings",
			read: func(d checks.Details) (float64, []string, bool) { return whole(d, "max_connections") }},
		{desc: desc("postgres_connections_in_use", "Client connections open on the PostgreSQL server."), check: "postgres.settings",
			read: func(d checks.Details) (float64, []string, bool) { return whole(d, "client connections in use") }},
		{desc: desc("postgres_connection_headroom", "Connections clients may still open: max_connections minus superuser_reserved_connections minus those in use."), check: "postgres.settings",
			read: connectionHeadroom},
	}
}

func certificateExpiry(d checks.Details) (float64, []string, bool) {
	ep, ok := d.Get(checks.EvidenceTLSEndpoint)
	if !ok || !isHostPort(ep) {
		return 0, nil, false
	}
	v, _, ok := timestamp(d, checks.EvidenceCertNotAfter)
	return v, []string{ep}, ok
}

func connectionHeadroom(d checks.Details) (float64, []string, bool) {
	limit, _, ok1 := whole(d, "max_connections")
	reserved, _, ok2 := whole(d, "superuser_reserved_connections")
	inUse, _, ok3 := whole(d, "client connections in use")
	return limit - reserved - inUse, nil, ok1 && ok2 && ok3
}

func timestamp(d checks.Details, key string) (float64, []string, bool) {
	s, ok := d.Get(key)
	if !ok {
		return 0, nil, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, nil, false
	}
	return float64(t.Unix()), nil, true
}

func whole(d checks.Details, key string) (float64, []string, bool) {
	s, ok := d.Get(key)
	if !ok {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return float64(n), nil, err == nil
}

func duration(d checks.Details, key string) (float64, []string, bool) {
	s, ok := d.Get(key)
	if !ok {
		return 0, nil, false
	}
	v, err := time.ParseDuration(s)
	return v.Seconds(), nil, err == nil
}

// isHostPort accepts what a label may carry: a host name or IP address and
// a port, nothing else (a value that is not one is left out, not shown).
func isHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || len(s) > 300 {
		return false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return false
	}
	for _, r := range host {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}
