package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// benchReport is a full run's size: n entries spread over nine groups, each
// status represented, every non-pass with advice and details, the way a
// bad day at a real install looks.
func benchReport(n int) Report {
	groups := []string{"config", "postgres", "storage", "encryption", "jwt", "queue", "mqtt", "telemetry", "server"}
	out := make([]checks.Outcome, n)
	for i := range out {
		g := groups[i*len(groups)/n]
		c := checks.Check{ID: fmt.Sprintf("%s.check-%02d", g, i), Group: g, Title: "A check title of typical length for the table"}
		var res checks.Result
		switch i % 5 {
		case 0, 1:
			res = checks.Passf("observed what Spacelift needs on %s:5432 in %d ms", "db.internal", i)
		case 2:
			res = checks.Warnf("Set MQTT_BROKER_TYPE explicitly; builtin is recommended for new installs.",
				"MQTT_BROKER_TYPE is not set, so Spacelift falls back to the legacy default iotcore")
		case 3:
			res = checks.Failf("Grant the role: GRANT CREATE ON DATABASE spacelift TO spacelift; then run the check again.",
				"permission denied for database spacelift (SQLSTATE 42501) while creating the probe schema").
				With(checks.KV("server", "db.internal:5432"), checks.KV("user", "spacelift"), checks.KV("encrypted", "TLSv1.3"))
		case 4:
			res = checks.Result{Status: checks.Skip, Message: "not run: needs postgres.connect to pass (postgres.connect: fail)",
				BlockedBy: []string{"postgres.connect"}}
		}
		out[i] = checks.Outcome{Check: c, Result: res, Duration: time.Duration(i) * time.Millisecond}
	}
	return New(Tool{Name: "spacectl-preflight", Version: "1.2.3"}, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), time.Second, out)
}

// BenchmarkRender renders a 72-entry report in every registered format,
// so a new renderer is benchmarked without touching this file.
func BenchmarkRender(b *testing.B) {
	r := benchReport(72)
	for _, name := range Formats() {
		render, err := Lookup(name)
		if err != nil {
			b.Fatal(err)
		}
		variants := []struct {
			suffix string
			opts   Options
		}{{"", Options{Width: 100}}}
		if name == "table" {
			variants = append(variants, struct {
				suffix string
				opts   Options
			}{"/tty-color", Options{Color: true, TTY: true, Width: 120}})
		}
		for _, v := range variants {
			b.Run(name+v.suffix, func(b *testing.B) {
				var buf bytes.Buffer
				if err := render(&buf, r, v.opts); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(buf.Len()))
				b.ReportAllocs()
				for b.Loop() {
					if err := render(io.Discard, r, v.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseJSON reads back a report, as the bundle does with earlier
// runs.
func BenchmarkParseJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := JSON(&buf, benchReport(72), Options{}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJSON(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
