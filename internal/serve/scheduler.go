package serve

import (
	"context"
	"errors"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// errStopped is the result of a run the server's shutdown interrupted.
var errStopped = errors.New("the server is stopping; the run was cancelled")

// flight is one run; everyone who asked for it waits on done and reads
// the same result.
type flight struct {
	done chan struct{}
	rep  report.Report
	err  error
}

// manualRequest asks the scheduler for a run (POST /run).
type manualRequest struct{ reply chan manualReply }

// manualReply is the run to wait for, or how long to wait before asking
// again when a run started too recently.
type manualReply struct {
	f          *flight
	retryAfter time.Duration
}

// scheduler owns the runs: only its loop starts one, so there is never
// more than one at a time.
type scheduler struct {
	o       Options
	st      *state
	manual  chan manualRequest
	stopped chan struct{}
}

func newScheduler(o Options, st *state) *scheduler {
	return &scheduler{o: o, st: st, manual: make(chan manualRequest), stopped: make(chan struct{})}
}

// nextDelay is the wait after a run: the interval, moved by up to ±Jitter
// of it; r is uniform in [0, 1).
func nextDelay(interval time.Duration, r float64) time.Duration {
	return time.Duration(float64(interval) * (1 - Jitter + 2*Jitter*r))
}

// loop runs the checks at once, then each time the timer fires or POST
// /run asks, until ctx ends. The timer is armed when a run ends, so runs
// never overlap and a slow run does not queue up the next one.
func (s *scheduler) loop(ctx context.Context) {
	defer close(s.stopped)
	var (
		cur       *flight
		lastStart time.Time
		timer     <-chan time.Time
		finished  = make(chan *flight, 1)
	)
	start := func() {
		cur = &flight{done: make(chan struct{})}
		lastStart = s.o.Now()
		s.st.setRunning(true, time.Time{})
		s.o.Log.Info("run started")
		go func(f *flight) {
			f.rep, f.err = s.o.Run(ctx)
			finished <- f
		}(cur)
	}
	start()
	for {
		select {
		case <-ctx.Done():
			if cur != nil {
				f := <-finished
				f.err = errStopped
				close(f.done)
			}
			return
		case <-timer:
			timer = nil
			start()
		case req := <-s.manual:
			switch since := s.o.Now().Sub(lastStart); {
			case cur != nil:
				req.reply <- manualReply{f: cur}
			case since < s.o.ManualGap:
				req.reply <- manualReply{retryAfter: s.o.ManualGap - since}
			default:
				start()
				req.reply <- manualReply{f: cur}
			}
		case f := <-finished:
			s.finish(ctx, f)
			cur = nil
			d := nextDelay(s.o.Interval, s.o.Rand())
			timer = s.o.After(d)
			s.st.setRunning(false, s.o.Now().Add(d))
		}
	}
}

// finish publishes a run's report (unless shutdown interrupted it) and
// releases everyone waiting for it.
func (s *scheduler) finish(ctx context.Context, f *flight) {
	defer close(f.done)
	switch {
	case f.err != nil:
		s.o.Log.Error("run failed", "error", f.err.Error())
	case f.rep.Interrupted || errors.Is(context.Cause(ctx), checks.ErrInterrupted):
		f.err = errStopped
	default:
		s.st.publish(f.rep, s.o.Now())
		sum := f.rep.Summary
		s.o.Log.Info("run finished", "status", sum.Status.String(), "durationMs", f.rep.Duration.Milliseconds(),
			"pass", sum.Pass, "warn", sum.Warn, "fail", sum.Fail, "error", sum.Error, "skip", sum.Skip)
	}
}

// requestRun is POST /run's way in: the run in progress, a new one, or how
// long to wait. ok is false when the server is stopping or the caller gave up.
func (s *scheduler) requestRun(ctx context.Context) (manualReply, bool) {
	req := manualRequest{reply: make(chan manualReply, 1)}
	select {
	case s.manual <- req:
	case <-s.stopped:
		return manualReply{}, false
	case <-ctx.Done():
		return manualReply{}, false
	}
	return <-req.reply, true
}
