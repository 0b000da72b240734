package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// TestVerdictReadsTheSummary: the exit status comes from the summary's
// status alone (the results are not re-read), against --fail-on.
func TestVerdictReadsTheSummary(t *testing.T) {
	cases := []struct {
		worst, failOn checks.Status
		fails         bool
	}{
		{checks.Pass, checks.Fail, false},
		{checks.Warn, checks.Fail, false},
		{checks.Fail, checks.Fail, true},
		{checks.Error, checks.Fail, true},
		{checks.Warn, checks.Warn, true},
		{checks.Pass, checks.Warn, false},
		{checks.Pass, checks.Pass, false},
		{checks.Error, checks.Error, true},
		{checks.Fail, checks.Error, false},
	}
	for _, c := range cases {
		r := report.Report{Summary: report.Summary{Status: c.worst}}
		err := verdict(r, c.failOn)
		if got := errors.As(err, new(ChecksFailedError)); got != c.fails || (err != nil && !got) {
			t.Errorf("worst %s, --fail-on %s: %v, want failed=%v", c.worst, c.failOn, err, c.fails)
		}
	}
	// Nothing but skips proved nothing: exit 2, whatever --fail-on says.
	for _, failOn := range []checks.Status{checks.Fail, checks.Skip} {
		var ue *UsageError
		if err := verdict(report.Report{Summary: report.Summary{Status: checks.Skip, Skip: 3}}, failOn); !errors.As(err, &ue) ||
			exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "nothing was checked") {
			t.Errorf("a run of skips, --fail-on %s: %v", failOn, err)
		}
	}
	r := report.Report{Interrupted: true, Summary: report.Summary{Status: checks.Pass}}
	if err := verdict(r, checks.Fail); !errors.As(err, new(InterruptedError)) {
		t.Errorf("an interrupted run: %v", err)
	}
}
