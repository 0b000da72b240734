package checks

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// ErrInterrupted is the cancellation cause the CLI uses for SIGINT/SIGTERM,
// so the runner can tell an interrupt from the whole-run deadline.
var ErrInterrupted = errors.New("interrupted")

// Outcome is one check's result with its timing.
type Outcome struct {
	Check    Check
	Result   Result
	Started  time.Time
	Duration time.Duration
	// Deselected is set when --only did not choose the check or --skip
	// skipped it (a disabled check the selection chose is not deselected).
	Deselected bool
	// PrerequisiteOf lists the selected checks that need this one, when it
	// runs only because they do (see Selection).
	PrerequisiteOf []string
}

// Event reports progress; the CLI draws it on stderr.
type Event struct {
	ID       string
	Finished bool
	Status   Status
	Done     int
	Total    int
}

// RunOptions configure one run.
type RunOptions struct {
	// Concurrency bounds the checks running at once (default
	// config.DefaultConcurrency, the settings table's).
	Concurrency int
	// CheckTimeout is the default per-check deadline (default
	// config.DefaultCheckTimeout).
	CheckTimeout time.Duration
	// Timeouts overrides CheckTimeout per check ID.
	Timeouts map[string]time.Duration
	// Only and Skip are glob patterns on IDs (path.Match syntax).
	Only, Skip []string
	// CleanupGrace is how long the runner waits, after a check was reported
	// as timed out or interrupted, for it to finish removing what it wrote
	// (default 10s).
	CleanupGrace time.Duration
	// Scrub removes secrets from every text a check returns; the runner
	// then escapes control characters in it (safetext.Escape).
	Scrub func(string) string
	// Progress, when set, is called from the runner's goroutines, serially.
	Progress func(Event)
	// Now is the clock (tests inject one).
	Now func() time.Time
}

func (o *RunOptions) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = config.DefaultConcurrency
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = config.DefaultCheckTimeout
	}
	if o.CleanupGrace <= 0 {
		o.CleanupGrace = 10 * time.Second
	}
	if o.Scrub == nil {
		o.Scrub = func(s string) string { return s }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Run executes the checks and returns their outcomes in the order given,
// whatever the finish order. Independent checks run in parallel; a check
// starts only after everything it needs has finished. It returns once every
// check has a result and every timed-out check has finished its cleanup or
// used up the grace period.
func Run(ctx context.Context, list []Check, opts RunOptions) []Outcome {
	opts.defaults()
	r := &run{opts: opts, total: len(list), sem: make(chan struct{}, opts.Concurrency), sel: Select(list, opts.Only, opts.Skip)}
	r.index = make(map[string]int, len(list))
	r.done = make([]chan struct{}, len(list))
	r.out = make([]Outcome, len(list))
	r.onRequest = make([]requested, len(list))
	for i, c := range list {
		r.index[c.ID] = i
		r.done[i] = make(chan struct{})
		r.out[i].Check = c
		r.out[i].Deselected = !r.sel.Selected(c.ID)
		r.out[i].PrerequisiteOf = r.sel.PrerequisiteOf(c.ID)
	}
	var wg sync.WaitGroup
	for i := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.schedule(ctx, i)
		}()
	}
	wg.Wait()
	r.waitStragglers(opts.CleanupGrace)
	return r.out
}

type run struct {
	opts  RunOptions
	total int
	sem   chan struct{}
	index map[string]int
	done  []chan struct{}
	out   []Outcome
	sel   Selection
	// onRequest[i] is set, before done[i] is closed, when check i did not
	// run because a check was skipped on request (--skip): itself or a
	// prerequisite.
	onRequest []requested

	mu       sync.Mutex
	finished int
	// stragglers are checks reported as timed out that are still running
	// their own cleanup.
	stragglers sync.WaitGroup
}

func (r *run) finish(i int, res Result, started time.Time, d time.Duration) {
	clean := Clean(r.opts.Scrub)
	res.Message = clean(res.Message)
	res.Advice = clean(res.Advice)
	res.Details = res.Details.Scrubbed(clean)
	res.Steps = ScrubSteps(res.Steps, clean)
	r.out[i].Result, r.out[i].Started, r.out[i].Duration = res, started, d
	r.mu.Lock()
	r.finished++
	if r.opts.Progress != nil {
		r.opts.Progress(Event{ID: r.out[i].Check.ID, Finished: true, Status: res.Status, Done: r.finished, Total: r.total})
	}
	r.mu.Unlock()
	close(r.done[i])
}

func (r *run) schedule(ctx context.Context, i int) {
	c := r.out[i].Check
	now := r.opts.Now()
	if c.Disabled != "" {
		r.finish(i, Skipf("%s", c.Disabled), now, 0)
		return
	}
	if !r.sel.Selected(c.ID) {
		if g := r.sel.SkippedOnRequest(c.ID); g != "" {
			r.onRequest[i] = requested{id: c.ID, glob: g}
		}
		r.finish(i, Skipf("%s", r.sel.Reason(c.ID)), now, 0)
		return
	}
	var blocked, failed, why, asked []string
	for _, n := range c.Needs {
		j, ok := r.index[n]
		if !ok {
			blocked, failed = append(blocked, n), append(failed, n)
			why = append(why, n+" is not part of this run")
			continue
		}
		select {
		case <-r.done[j]:
		case <-ctx.Done():
			r.finish(i, r.notRun(ctx), r.opts.Now(), 0)
			return
		}
		if st := r.out[j].Result.Status; st != Pass && st != Warn {
			blocked = append(blocked, n)
			if req := r.onRequest[j]; req.id != "" {
				if r.onRequest[i].id == "" {
					r.onRequest[i] = req
				}
				asked = append(asked, req.because(n))
				continue
			}
			failed = append(failed, n)
			why = append(why, fmt.Sprintf("%s: %s", n, st))
		}
	}
	if len(blocked) > 0 {
		r.finish(i, blockedResult(blocked, failed, why, asked), r.opts.Now(), 0)
		return
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		r.finish(i, r.notRun(ctx), r.opts.Now(), 0)
		return
	}
	defer func() { <-r.sem }()
	if ctx.Err() != nil {
		r.finish(i, r.notRun(ctx), r.opts.Now(), 0)
		return
	}
	r.execute(ctx, i)
}

// requested names the check a user skipped on request (--skip) and the
// pattern that skipped it.
type requested struct{ id, glob string }

// because says why a dependant of need did not run.
func (q requested) because(need string) string {
	if q.id == need {
		return fmt.Sprintf("needs %s, which was skipped on request (--skip %s)", need, FlagArg(q.glob))
	}
	return fmt.Sprintf("needs %s, which did not run because %s was skipped on request (--skip %s)", need, q.id, FlagArg(q.glob))
}

// blockedResult is the skip of a check whose prerequisites did not pass:
// those that failed are named with their status, those the user skipped on
// request say so (the check was not "blocked by a failure").
func blockedResult(blocked, failed, why, asked []string) Result {
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("needs %s to pass (%s)", joinIDs(failed), joinIDs(why)))
	}
	parts = append(parts, asked...)
	res := Skipf("not run: %s", strings.Join(parts, "; "))
	res.BlockedBy = blocked
	return res
}

func (r *run) notRun(ctx context.Context) Result {
	if errors.Is(context.Cause(ctx), ErrInterrupted) {
		return Skipf("not run: the run was interrupted")
	}
	return Skipf("not run: the whole-run deadline (--timeout) expired first")
}

func (r *run) execute(ctx context.Context, i int) {
	c := r.out[i].Check
	timeout := r.opts.CheckTimeout
	if c.Timeout > 0 {
		timeout = c.Timeout
	}
	if t, ok := r.opts.Timeouts[c.ID]; ok && t > 0 {
		timeout = t
	}
	if r.opts.Progress != nil {
		r.mu.Lock()
		r.opts.Progress(Event{ID: c.ID, Done: r.finished, Total: r.total})
		r.mu.Unlock()
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := r.opts.Now()
	// Buffered, so a check that ignores ctx and returns late never blocks
	// forever on a send nobody receives.
	resc := make(chan Result, 1)
	r.stragglers.Add(1)
	go func() {
		defer r.stragglers.Done()
		defer func() {
			if p := recover(); p != nil {
				res := Errorf("This is a bug in spacectl-preflight; please report it with the output of -v.",
					"internal error: the check panicked: %v", p)
				resc <- res.With(KV("stack", firstFrames(debug.Stack())))
			}
		}()
		resc <- c.Run(cctx)
	}()
	select {
	case res := <-resc:
		// A check that returns after its deadline passed still timed out,
		// whatever it concluded from the cancelled context.
		if cctx.Err() != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && res.Status != Pass {
			res = timedOut(c, timeout)
		} else if ctx.Err() != nil && res.Status != Pass {
			res = r.interrupted(ctx, res)
		}
		r.finish(i, res, started, r.opts.Now().Sub(started))
	case <-cctx.Done():
		if ctx.Err() != nil {
			r.finish(i, r.interrupted(ctx, Result{}), started, r.opts.Now().Sub(started))
			return
		}
		r.finish(i, timedOut(c, timeout), started, r.opts.Now().Sub(started))
	}
}

func timedOut(c Check, timeout time.Duration) Result {
	return Errorf(fmt.Sprintf("The dependency did not answer in time. Check that it is reachable from here (firewall, security group, DNS), or raise the limit with --check-timeout or a per-check timeout for %s in the config.", c.ID),
		"timed out after %s", timeout)
}

func (r *run) interrupted(ctx context.Context, partial Result) Result {
	if errors.Is(context.Cause(ctx), ErrInterrupted) {
		return Errorf("The run was interrupted before this check finished; run it again to get a verdict.", "interrupted")
	}
	res := Errorf("The whole run hit --timeout before this check finished; raise --timeout or run fewer checks with --only.", "stopped by the whole-run deadline (--timeout)")
	res.Details = partial.Details
	return res
}

// waitStragglers gives timed-out checks a bounded time to finish their
// cleanup (removing probe objects, rolling back), so a run never exits
// while a probe is half-written, and never hangs on a check that ignores ctx.
func (r *run) waitStragglers(grace time.Duration) {
	ch := make(chan struct{})
	go func() {
		r.stragglers.Wait()
		close(ch)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

func joinIDs(ids []string) string {
	out := ""
	for i, s := range ids {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// firstFrames keeps the panic report short enough for a table cell.
func firstFrames(stack []byte) string {
	lines := 0
	for i, b := range stack {
		if b == '\n' {
			lines++
			if lines == 12 {
				return string(stack[:i])
			}
		}
	}
	return string(stack)
}
