package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture has every status, details, advice, a blocked check and checks
// with steps (one advice shared by its steps, one advice per step, a
// passing check with steps), a check run as a prerequisite of a selected
// one and a group the selection left out, with fixed times so the output
// is stable.
func fixture() Report {
	var compat checks.Verdict
	for _, v := range []struct{ name, at string }{{"OTEL_SERVICE_NAME", "spacelift.env:7:1"}, {"DD_SERVICE", "$DD_SERVICE"}} {
		compat.Add(checks.Step{Name: v.name, Status: checks.Warn, Message: "is set, but Spacelift says not to set it",
			Advice: "unset it: Spacelift names its services itself", Evidence: checks.Details{{Key: "set at", Value: v.at}}})
	}
	compat.Detail("observability", "OpenTelemetry")
	var versioning checks.Verdict
	versioning.Fail("spacelift-states (states)", "Enable it: aws s3api put-bucket-versioning --bucket spacelift-states --versioning-configuration Status=Enabled",
		"versioning is suspended; Spacelift requires it on the states bucket")
	versioning.Pass("spacelift-modules (modules)", "versioning enabled")
	versioning.Warn("spacelift-run-logs (run-logs)", "Enable it: aws s3api put-bucket-versioning --bucket spacelift-run-logs --versioning-configuration Status=Enabled",
		"versioning is off (never enabled); Spacelift suggests enabling it")
	var lifecycle checks.Verdict
	lifecycle.Pass("spacelift-states (states)", "no expiry rule")
	lifecycle.Pass("spacelift-run-logs (run-logs)", "rule logs expires objects after 60 days")
	out := []checks.Outcome{
		{Check: checks.Check{ID: "config.required", Group: "config", GroupTitle: "Configuration", Title: "Every variable Spacelift requires is set"},
			Result: checks.Passf("every required variable is set for the chosen backends"), Duration: 120 * time.Microsecond},
		{Check: checks.Check{ID: "config.compat", Group: "config", GroupTitle: "Configuration", Title: "Chosen backends are compatible with each other"},
			Result: compat.Result("the chosen backends are compatible"), Duration: 90 * time.Microsecond},
		{Check: checks.Check{ID: "postgres.connect", Group: "postgres", GroupTitle: "PostgreSQL", Title: "PostgreSQL accepts the connection"},
			Result: checks.Failf("Check the password in DATABASE_URL | it is URL-encoded.", "authentication failed for user \"spacelift\" (SQLSTATE 28P01)").
				With(checks.KV("server", "db.internal:5432"), checks.KV("encrypted", "no")), Duration: 31 * time.Millisecond,
			PrerequisiteOf: []string{"postgres.version"}},
		{Check: checks.Check{ID: "postgres.version", Group: "postgres", GroupTitle: "PostgreSQL", Title: "PostgreSQL version is supported", Needs: []string{"postgres.connect"}},
			Result: checks.Result{Status: checks.Skip, Message: "not run: needs postgres.connect to pass (postgres.connect: fail)", BlockedBy: []string{"postgres.connect"}}},
		{Check: checks.Check{ID: "mqtt.connect", Group: "mqtt", GroupTitle: "MQTT broker", Title: "Workers can reach the MQTT broker"},
			Result: checks.Errorf("Check that the broker is reachable from here.", "timed out after 30s"), Duration: 30 * time.Second},
		{Check: checks.Check{ID: "storage.versioning", Group: "storage", GroupTitle: "Object storage", Title: "Versioning is enabled where Spacelift requires or suggests it"},
			Result: versioning.Result("versioning is enabled on every bucket that requires or suggests it"), Duration: 240 * time.Millisecond},
		{Check: checks.Check{ID: "storage.lifecycle", Group: "storage", GroupTitle: "Object storage", Title: "Lifecycle rules keep objects as long as Spacelift needs"},
			Result: lifecycle.Result("no lifecycle rule deletes objects sooner than Spacelift documents"), Duration: 180 * time.Millisecond},
		{Check: checks.Check{ID: "telemetry.endpoint", Group: "telemetry", GroupTitle: "Telemetry", Title: "The telemetry endpoint accepts data"},
			Result: checks.Skipf("not selected by --only"), Deselected: true},
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
	for _, want := range []string{"Fix: Check the password", "server: db.internal:5432", "ERROR: 2 passed · 1 warning · 2 failed · 1 error · 2 skipped"} {
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
	if back.Summary != fixture().Summary || len(back.Results) != 8 || back.Results[2].Details[0].Key != "server" {
		t.Errorf("round trip lost data: %+v", back.Summary)
	}
	if got := back.Results[2].PrerequisiteOf; len(got) != 1 || got[0] != "postgres.version" {
		t.Errorf("round trip lost prerequisiteOf: %v", got)
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
	if got.Tests != 8 || got.Failures != 2 || got.Errors != 1 || got.Skipped != 2 || len(got.Suites) != 5 {
		t.Fatalf("counts: %+v", got)
	}
	if got.Suites[0].Cases[1].SystemOut == "" || !strings.HasPrefix(got.Suites[0].Cases[1].SystemOut, "WARN:") {
		t.Error("a warning must pass with the warning in system-out")
	}
}

// TestSelectionInEveryFormat: a check run only as a prerequisite says so
// in every format; a group the selection left out is omitted from the
// table and Markdown (with a count), and kept in JSON and JUnit.
func TestSelectionInEveryFormat(t *testing.T) {
	const note = "included as a prerequisite of postgres.version"
	for _, f := range Formats() {
		render, _ := Lookup(f)
		var buf bytes.Buffer
		if err := render(&buf, fixture(), Options{Width: 100}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if f == "prometheus" {
			// Metrics carry no free text: every check keeps its series.
			if !strings.Contains(out, `check="telemetry.endpoint"`) || strings.Contains(out, "prerequisite") {
				t.Errorf("prometheus: every check keeps its series and no note is added:\n%s", out)
			}
			continue
		}
		if f == "json" {
			out = strings.Replace(out, `"prerequisiteOf": [
        "postgres.version"`, note, 1)
		}
		if strings.Count(out, note) != 1 {
			t.Errorf("%s: want %q once:\n%s", f, note, out)
		}
		keepsAll := f == "json" || f == "junit"
		if strings.Contains(out, "telemetry.endpoint") != keepsAll {
			t.Errorf("%s: the deselected group shown=%v, want %v", f, !keepsAll, keepsAll)
		}
		if !keepsAll && !strings.Contains(out, "1 check not selected by --only/--skip: not shown") {
			t.Errorf("%s: no count of the checks left out:\n%s", f, out)
		}
	}
	var buf bytes.Buffer
	_ = JSON(&buf, fixture(), Options{})
	if n := strings.Count(buf.String(), `"prerequisiteOf"`); n != 1 {
		t.Errorf("prerequisiteOf appears %d times; it is only on the prerequisite", n)
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := Lookup("yaml"); err == nil || !strings.Contains(err.Error(), "json, junit, markdown, prometheus, table") {
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

// TestTableShowsStepsOfProblemsOnly: a check that did not pass shows every
// step; advice shared by the steps is shown once, as the check's Fix, and
// advice of their own under each step, never also as the check's Fix; a
// passing check stays one line.
func TestTableShowsStepsOfProblemsOnly(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, fixture(), Options{Width: 200}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, c := range []struct {
		text string
		n    int
	}{
		{"  FAIL spacelift-states (states): versioning is suspended", 1},
		{"  PASS spacelift-modules (modules): versioning enabled", 1},
		{"  WARN spacelift-run-logs (run-logs): versioning is off", 1},
		{"--bucket spacelift-states --versioning-configuration", 1},
		{"      Fix: Enable it: aws s3api put-bucket-versioning --bucket spacelift-run-logs", 1},
		{"Fix: unset it: Spacelift names its services itself", 1},
		{"      set at: spacelift.env:7:1", 1},
		{"no expiry rule", 0},
	} {
		if got := strings.Count(out, c.text); got != c.n {
			t.Errorf("%q appears %d times, want %d:\n%s", c.text, got, c.n, out)
		}
	}
	var tty bytes.Buffer
	if err := Table(&tty, fixture(), Options{TTY: true, Width: 200}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tty.String(), "  ✖ spacelift-states (states): versioning is suspended") {
		t.Errorf("a terminal shows a step's status as a glyph:\n%s", tty.String())
	}
}

func TestJSONSteps(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Results []map[string]json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Results[0]["steps"]; ok {
		t.Error("a result without steps must have no steps field")
	}
	var steps []map[string]any
	if err := json.Unmarshal(raw.Results[5]["steps"], &steps); err != nil || len(steps) != 3 {
		t.Fatalf("storage.versioning steps: %v %s", err, raw.Results[5]["steps"])
	}
	if steps[0]["name"] != "spacelift-states (states)" || steps[0]["status"] != "fail" || steps[0]["advice"] == nil {
		t.Errorf("first step: %v", steps[0])
	}
	if _, ok := steps[1]["advice"]; ok {
		t.Errorf("a passing step has no advice field: %v", steps[1])
	}
	back, err := ParseJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range fixture().Results {
		if !reflect.DeepEqual(back.Results[i].Steps, e.Steps) {
			t.Errorf("%s: steps after the round trip\n got %+v\nwant %+v", e.ID, back.Results[i].Steps, e.Steps)
		}
	}
}

func TestMarkdownAndJUnitSteps(t *testing.T) {
	var md bytes.Buffer
	if err := Markdown(&md, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "<br>&emsp;❌ spacelift-states (states): versioning is suspended") || strings.Contains(md.String(), "no expiry rule") {
		t.Errorf("markdown steps:\n%s", md.String())
	}
	var ju bytes.Buffer
	if err := JUnit(&ju, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(ju.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	storage := got.Suites[3].Cases
	if f := storage[0].Failure; f == nil || !strings.Contains(f.Text, "\nFAIL spacelift-states (states): versioning is suspended; Spacelift requires it on the states bucket\nPASS spacelift-modules (modules): versioning enabled\n") {
		t.Errorf("failure text lacks the steps: %+v", storage[0].Failure)
	}
	if !strings.Contains(storage[1].SystemOut, "PASS spacelift-states (states): no expiry rule\n") {
		t.Errorf("a passing check's steps belong in system-out: %q", storage[1].SystemOut)
	}
}

func TestSummaryStatusIsTheWorst(t *testing.T) {
	for _, c := range []struct {
		in   []checks.Status
		want checks.Status
	}{
		{nil, checks.Skip},
		{[]checks.Status{checks.Skip, checks.Pass}, checks.Pass},
		{[]checks.Status{checks.Pass, checks.Warn, checks.Skip}, checks.Warn},
		{[]checks.Status{checks.Error, checks.Fail}, checks.Error},
	} {
		var es []Entry
		for _, st := range c.in {
			es = append(es, Entry{Status: st})
		}
		if got := Summarize(es).Status; got != c.want {
			t.Errorf("%v: %s, want %s", c.in, got, c.want)
		}
	}
}

// TestParseJSONRefusesWhatIsNotAReport: the bundle packs only reports;
// anything else is refused with what is wrong, never read as an empty run.
func TestParseJSONRefusesWhatIsNotAReport(t *testing.T) {
	var good bytes.Buffer
	if err := JSON(&good, fixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) string { return strings.Replace(good.String(), old, new, 1) }
	cases := map[string]struct{ doc, want string }{
		"another document": {`{"not":"results"}`, "missing schemaVersion, tool.name, summary, results"},
		"an array":         {`[1,2]`, "cannot unmarshal array"},
		"trailing data":    {good.String() + `{"more":1}`, "more data after the JSON document"},
		"a later schema":   {edit(`"schemaVersion": 1`, `"schemaVersion": 2`), "schemaVersion 2; this build reads 1"},
		"a result without status": {edit(`"status": "pass",
      "message": "every required`, `"message": "every required`), "results[0] (config.required) has no status"},
		"an unknown status":   {edit(`"status": "pass",`, `"status": "green",`), `unknown status "green"`},
		"a bad id":            {edit(`"id": "config.required"`, `"id": "Config Required"`), "results[0] has no valid id"},
		"a summary that lies": {edit(`"pass": 2,`, `"pass": 9,`), "does not count the results"},
	}
	for name, c := range cases {
		_, err := ParseJSON(strings.NewReader(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
	if _, err := ParseJSON(&good); err != nil {
		t.Errorf("a real report is refused: %v", err)
	}
}
