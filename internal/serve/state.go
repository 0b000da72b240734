package serve

import (
	"maps"
	"sync"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// state is the cache every request reads: the last finished run, the run
// counters and when each check last changed status. Only the scheduler
// writes it.
type state struct {
	mu       sync.RWMutex
	last     *report.Report
	finished time.Time
	runs     map[checks.Status]uint64
	changes  map[string]change
	// started is when the first run finished: a status first seen then
	// may be older.
	started time.Time
	running bool
	nextRun time.Time
}

// change is when a check's status last changed.
type change struct {
	status checks.Status
	since  time.Time
	// first means the status has not changed since serve started, so it
	// may have held for longer.
	first bool
}

func newState() *state {
	return &state{runs: map[checks.Status]uint64{}, changes: map[string]change{}}
}

// publish makes r the last run, finished at t.
func (s *state) publish(r report.Report, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.started = t
	}
	s.last, s.finished = &r, t
	s.runs[r.Summary.Status]++
	for _, e := range r.Results {
		prev, seen := s.changes[e.ID]
		if !seen || prev.status != e.Status {
			s.changes[e.ID] = change{status: e.Status, since: t, first: !seen}
		}
	}
}

// setRunning records whether a run is in progress, and when the next
// scheduled one is due (zero while one runs).
func (s *state) setRunning(running bool, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running, s.nextRun = running, next
}

// metrics is the snapshot one scrape describes.
func (s *state) metrics() report.MetricsSnapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return report.MetricsSnapshot{Last: s.last, Finished: s.finished, Runs: maps.Clone(s.runs)}
}

// view is a consistent copy of the state for one request.
type view struct {
	last     *report.Report
	finished time.Time
	changes  map[string]change
	running  bool
	nextRun  time.Time
}

func (s *state) view() view {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return view{last: s.last, finished: s.finished, changes: maps.Clone(s.changes), running: s.running, nextRun: s.nextRun}
}

// ready reports whether a run has finished within maxAge of now, and the
// age of the last one.
func (s *state) ready(now time.Time, maxAge time.Duration) (bool, time.Duration, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.last == nil {
		return false, 0, false
	}
	age := now.Sub(s.finished)
	return age < maxAge, age, true
}
