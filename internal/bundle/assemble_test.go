package bundle

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// TestPackedStepsAreScrubbed: results read with --results may hold a secret
// in any text of a step (an older build, a hand edit); every rendered file
// carries it redacted, so the final sweep passes, and the step survives.
func TestPackedStepsAreScrubbed(t *testing.T) {
	const pw = "Step-Secret-Value-77"
	sc := secret.NewNamedScrubber(secret.Named{Rule: "DATABASE_URL", Value: secret.New(pw)})
	step := checks.Step{Name: "bucket " + pw, Status: checks.Fail, Message: "login with " + pw + " failed", Advice: "rotate " + pw,
		Evidence: checks.Details{{Key: "key " + pw, Value: "value " + pw}}}
	rep := report.Report{Results: []report.Entry{{ID: "storage.versioning", Group: "storage", Title: "t", Status: checks.Fail,
		Message: "m", Steps: []checks.Step{step}}}}
	rep.Summary = report.Summarize(rep.Results)
	files, err := Assemble(Input{Report: rep, ResultsFile: "old.json", Scrubber: sc, CreatedAt: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(string(f.Data), pw) {
			t.Errorf("%s holds the secret:\n%s", f.Name, f.Data)
		}
	}
	var results string
	for _, f := range files {
		if f.Name == "results.json" {
			results = string(f.Data)
		}
	}
	for _, want := range []string{`"name": "bucket ` + secret.Redacted, `"login with ` + secret.Redacted + ` failed"`, `"rotate ` + secret.Redacted, `"key ` + secret.Redacted + `": "value ` + secret.Redacted} {
		if !strings.Contains(results, want) {
			t.Errorf("results.json lacks %q:\n%s", want, results)
		}
	}
	if err := Write(filepath.Join(t.TempDir(), "b.tar.gz"), files, sc, time.Unix(0, 0)); err != nil {
		t.Errorf("the final sweep refused the bundle: %v", err)
	}
	if rep.Results[0].Steps[0].Message != step.Message {
		t.Error("scrubbing changed the caller's report")
	}
}
