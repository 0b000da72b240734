// Package perf measures spacectl-preflight from the outside, the way a
// user meets it: the built binary's wall time, cold start and peak memory,
// and each check's duration from the JSON report. scripts/bench drives it
// against the test-services harness (make bench).
package perf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// Measurement is one process run.
type Measurement struct {
	Wall     time.Duration
	MaxRSS   int64 // peak resident set, bytes
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Command is a process to run and measure.
type Command struct {
	Path string
	Args []string
	// Env is the full environment; nil inherits this process's.
	Env []string
}

// Measure runs c to completion and reports its wall time (fork to exit, as
// a user's shell sees it) and its peak RSS from the kernel's rusage, so no
// external time(1) is needed. A non-zero exit is not an error: failing
// checks exit 1 and are still a valid run to time.
func Measure(ctx context.Context, c Command) (Measurement, error) {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Env = c.Env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	m := Measurement{Wall: wall, Stdout: out.Bytes(), Stderr: errb.Bytes()}
	if cmd.ProcessState == nil {
		return m, fmt.Errorf("%s: %w", c.Path, err)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return m, fmt.Errorf("%s: %w", c.Path, err)
	}
	m.ExitCode = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxRSS = maxRSSBytes(ru)
	}
	return m, nil
}

// maxRSSBytes converts ru_maxrss, which Linux reports in KiB.
func maxRSSBytes(ru *syscall.Rusage) int64 { return int64(ru.Maxrss) * 1024 }

// Median of the durations (mean of the two middle ones for an even count);
// 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Spread summarises repeated timings.
type Spread struct {
	N                int
	Min, Median, Max time.Duration
}

// SpreadOf summarises ds.
func SpreadOf(ds []time.Duration) Spread {
	if len(ds) == 0 {
		return Spread{}
	}
	return Spread{N: len(ds), Min: slices.Min(ds), Median: Median(ds), Max: slices.Max(ds)}
}

func (s Spread) String() string {
	return fmt.Sprintf("median %s (min %s, max %s, n=%d)", Ms(s.Median), Ms(s.Min), Ms(s.Max), s.N)
}

// Ms formats a duration in milliseconds with one decimal, the unit every
// figure in docs/performance.md uses.
func Ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// MB formats bytes in MiB with one decimal.
func MB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
