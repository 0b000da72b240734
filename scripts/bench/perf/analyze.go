package perf

import (
	"bytes"
	"fmt"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// Run is one full `check -o json` run, measured.
type Run struct {
	Measurement
	Report report.Report
}

// ParseRun reads the JSON report a measured run printed.
func ParseRun(m Measurement) (Run, error) {
	rep, err := report.ParseJSON(bytes.NewReader(m.Stdout))
	if err != nil {
		return Run{}, fmt.Errorf("reading the JSON report (exit %d, stderr %q): %w", m.ExitCode, tail(m.Stderr), err)
	}
	return Run{Measurement: m, Report: rep}, nil
}

// Slowest is the entry with the longest duration (the first of equals).
func (r Run) Slowest() report.Entry {
	var s report.Entry
	for _, e := range r.Report.Results {
		if e.Duration > s.Duration || s.ID == "" {
			s = e
		}
	}
	return s
}

// SumOfChecks is the time the checks took back to back.
func (r Run) SumOfChecks() time.Duration {
	var t time.Duration
	for _, e := range r.Report.Results {
		t += e.Duration
	}
	return t
}

// Ratio is wall time over the slowest check: 1.0 means the run took no
// longer than its slowest check, i.e. everything else ran alongside it.
func (r Run) Ratio() float64 {
	s := r.Slowest().Duration
	if s <= 0 {
		return 0
	}
	return float64(r.Wall) / float64(s)
}

// Ran counts the checks that executed (not skipped or disabled).
func (r Run) Ran() int {
	n := 0
	for _, e := range r.Report.Results {
		if e.Status != checks.Skip {
			n++
		}
	}
	return n
}

// WallBudget is the target for a full run: 1.25 × the slowest check + 30 ms.
func WallBudget(slowest time.Duration) time.Duration {
	return slowest + slowest/4 + 30*time.Millisecond
}

// MedianRun returns the run whose wall time is the median (the lower
// middle for an even count), so its per-check figures are shown whole
// rather than mixed from different runs.
func MedianRun(runs []Run) Run {
	if len(runs) == 0 {
		return Run{}
	}
	idx := make([]int, len(runs))
	for i := range idx {
		idx[i] = i
	}
	// Insertion sort: a handful of runs.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && runs[idx[j]].Wall < runs[idx[j-1]].Wall; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return runs[idx[(len(idx)-1)/2]]
}

func tail(b []byte) string {
	const n = 400
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
