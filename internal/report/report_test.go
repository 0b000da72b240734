package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture has every status, details, advice and a blocked check, with
// fixed times so the output is stable.
func fixture() Report {
	out := []checks.Outcome{
		{Check: checks.Check{ID: "config.required", Group: "config", Title: "Every variable Spacelift requires is set"},
			Result: checks.Passf("every required variable is set for the chosen backends"), Duration: 120 * time.Microsecond},
		{Check: checks.Check{ID: "config.compat", Group: "config", Title: "Chosen backends are compatible with each other"},
			Result: checks.Result{Status: checks.Warn, Message: "MQTT_BROKER_TYPE: not set, so Spacelift falls back to the legacy AWS default iotcore",
				Advice:  "set it explicitly; builtin is recommended for new installs",
				Details: checks.Details{{Key: "MQTT_BROKER_TYPE", Value: "warn: not set"}}}, Duration: 90 * time.Microsecond},
		{Check: checks.Check{ID: "postgres.connect", Group: "postgres", Title: "PostgreSQL accepts the connection"},
			Result: checks.Failf("Check the password in DATABASE_URL | it is URL-encoded.", "authentication failed for user \"spacelift\" (SQLSTATE 28P01)").
				With(checks.KV("server", "db.internal:5432"), checks.KV("encrypted", "no")), Duration: 31 * time.Millisecond},
		{Check: checks.Check{ID: "postgres.version", Group: "postgres", Title: "PostgreSQL version is supported", Needs: []string{"postgres.connect"}},
			Result: checks.Result{Status: checks.Skip, Message: "not run: needs postgres.connect to pass (postgres.connect: fail)", BlockedBy: []string{"postgres.connect"}}},
		{Check: checks.Check{ID: "mqtt.connect", Group: "mqtt", Title: "Workers can reach the MQTT broker"},
			Result: checks.Errorf("Check that the broker is reachable from here.", "timed out after 30s"), Duration: 30 * time.Second},
	}
	r := New(Tool{Name: "spacectl-preflight", Version: "1.2.3"}, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), 30*time.Second+250*time.Millisecond, out)
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n--- got ---\n%s\n--- want ---\n%s", name, escape(got), escape(want))
	}
}

// escape shows ANSI sequences in diffs instead of applying them.
func escape(b []byte) string { return strings.ReplaceAll(string(b), "\x1b", `\x1b`) }

func TestRenderersGolden(t *testing.T) {
	cases := []struct {
		name   string
		format string
		opts   Options
	}{
		{"TestTablePlain", "table", Options{Width: 100}},
		{"TestTableTTYColor", "table", Options{Color: true, TTY: true, Width: 100}},
		{"TestTableTTYNoColor", "table", Options{TTY: true, Width: 80}},
		{"TestJSON", "json", Options{}},
		{"TestJUnit", "junit", Options{}},
		{"TestMarkdown", "markdown", Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			render, err := Lookup(c.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := render(&buf, fixture(), c.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, buf.Bytes())
		})
	}
}

func TestTablePlainHasNoEscapes(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, fixture(), Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("\x1b")) {
		t.Fatal("plain table contains ANSI escapes")
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line wider than 100 columns (%d): %q", n, line)
		}
	}
	for _, want := range []string{"Fix: Check the password", "server: db.internal:5432", "ERROR: 1 passed · 1 warning · 1 failed · 1 error · 1 skipped"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

func TestJSONRoundTripAndFields(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schemaVersion", "tool", "startedAt", "durationMs", "summary", "results"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("missing top-level field %q", k)
		}
	}
	first := raw["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "group", "status", "message", "advice", "docUrl", "durationMs", "details", "blockedBy"} {
		if _, ok := first[k]; !ok {
			t.Errorf("missing result field %q", k)
		}
	}
	back, err := ParseJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary != fixture().Summary || len(back.Results) != 5 || back.Results[2].Details[0].Key != "server" {
		t.Errorf("round trip lost data: %+v", back.Summary)
	}
}

func TestJUnitParsesAndCounts(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 5 || got.Failures != 1 || got.Errors != 1 || got.Skipped != 1 || len(got.Suites) != 3 {
		t.Fatalf("counts: %+v", got)
	}
	if got.Suites[0].Cases[1].SystemOut == "" || !strings.HasPrefix(got.Suites[0].Cases[1].SystemOut, "WARN:") {
		t.Error("a warning must pass with the warning in system-out")
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := Lookup("yaml"); err == nil || !strings.Contains(err.Error(), "json, junit, markdown, table") {
		t.Fatalf("want an error listing the formats, got %v", err)
	}
}

func TestTableCollapsesRunsOfSkips(t *testing.T) {
	var out []checks.Outcome
	for _, q := range []string{"async", "dlq", "iot", "webhooks"} {
		out = append(out, checks.Outcome{Check: checks.Check{ID: "queue.sqs." + q, Group: "queue", Title: q},
			Result: checks.Skipf("MESSAGE_QUEUE_TYPE is postgres")})
	}
	out = append(out, checks.Outcome{Check: checks.Check{ID: "queue.builtin", Group: "queue", Title: "b"}, Result: checks.Passf("ok")})
	var buf bytes.Buffer
	if err := Table(&buf, New(Tool{}, time.Time{}, 0, out), Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "queue.sqs.* (4 checks)") || strings.Contains(buf.String(), "queue.sqs.dlq") {
		t.Errorf("skips not collapsed:\n%s", buf.String())
	}
	var js bytes.Buffer
	if err := JSON(&js, New(Tool{}, time.Time{}, 0, out), Options{}); err != nil || !strings.Contains(js.String(), "queue.sqs.dlq") {
		t.Error("JSON must keep every check")
	}
}
