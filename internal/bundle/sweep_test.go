package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// TestSweepRefusesAFragment: half a password (what a parser quoted of a
// password with an un-encoded delimiter) is as much a leak as the whole.
func TestSweepRefusesAFragment(t *testing.T) {
	sc := secret.NewScrubberKnowing([]string{"spacelift", "127.0.0.1"},
		secret.Named{Rule: "DATABASE_URL", Value: secret.New("postgres://spacelift:SecrP@ss:w/rd%Kx9@127.0.0.1:17003/spacelift")})
	path := filepath.Join(t.TempDir(), "b.tar.gz")
	for _, leak := range []string{`invalid percent-encoded token: "rd%Kx9@127.0.0.1:17003/spacelift"`, "user spacelift, password SecrP"} {
		err := Write(path, []File{{Name: "debug.log", Data: []byte(leak)}}, sc, time.Unix(0, 0))
		var le *LeakError
		if !errors.As(err, &le) || le.File != "debug.log" || le.Finding.Rule != "DATABASE_URL" {
			t.Fatalf("%q: err = %v", leak, err)
		}
		if strings.Contains(err.Error(), "Kx9") || strings.Contains(err.Error(), "SecrP") {
			t.Errorf("the refusal quotes the fragment: %v", err)
		}
		if _, serr := os.Stat(path); serr == nil {
			t.Fatal("a refused bundle was written")
		}
	}
	if err := Write(path, []File{{Name: "debug.log", Data: []byte("connected to 127.0.0.1:17003 as spacelift")}}, sc, time.Unix(0, 0)); err != nil {
		t.Errorf("a clean file was refused: %v", err)
	}
}

// TestPackedResultsAreEscaped: results read with --results come from a
// file anyone may have edited; a terminal escape sequence in any of their
// texts reaches no file of the bundle as raw bytes, and a fragment of a
// secret reaches none at all.
func TestPackedResultsAreEscaped(t *testing.T) {
	const evil = "\x1b]0;PWNED\a\x1b[2J"
	sc := secret.NewScrubberKnowing(nil, secret.Named{Rule: "ADMIN_PASSWORD", Value: secret.New("Zq9!unique-Admin-pw")})
	step := checks.Step{Name: "bucket " + evil, Status: checks.Fail, Message: "server said " + evil, Advice: "fix " + evil,
		Evidence: checks.Details{{Key: "key " + evil, Value: "value " + evil}}}
	rep := report.Report{Tool: report.Tool{Name: "spacectl-preflight", Version: "v1" + evil}, Results: []report.Entry{{
		ID: "storage.versioning" + evil, Group: "storage", Title: "t " + evil, Status: checks.Fail,
		Message: "m " + evil + " and 9!unique-Ad", Advice: "a " + evil, Details: checks.Details{{Key: "k " + evil, Value: "v " + evil}},
		Steps: []checks.Step{step}, BlockedBy: []string{"x" + evil}}}}
	rep.Summary = report.Summarize(rep.Results)
	files, err := Assemble(Input{Report: rep, ResultsFile: "old.json", Scrubber: sc, CreatedAt: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "debug.log" {
			continue
		}
		if strings.ContainsAny(string(f.Data), "\x1b\a") {
			t.Errorf("%s holds raw control characters", f.Name)
		}
		if f.Name == "results.txt" && !strings.Contains(string(f.Data), `\x1b]0;PWNED\x07\x1b[2J`) {
			t.Errorf("%s lacks the escaped sequence:\n%s", f.Name, f.Data)
		}
	}
	if err := Write(filepath.Join(t.TempDir(), "b.tar.gz"), files, sc, time.Unix(0, 0)); err != nil {
		t.Errorf("the final sweep refused the bundle: %v", err)
	}
}
