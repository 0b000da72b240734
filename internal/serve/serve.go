// Package serve keeps checking after installation: it runs the checks on a
// schedule, one run at a time, caches the last report and serves it as
// Prometheus metrics, health endpoints, a self-contained HTML page and the
// JSON report. Requests only read the cache; the one way a request starts a
// run is POST /run, rate-limited and shared by concurrent callers. What is
// cached is the report, never rendered output: every response is rendered
// from it (goss #612).
package serve

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// Defaults and limits of the schedule.
const (
	DefaultListen   = "127.0.0.1:9464"
	DefaultInterval = 5 * time.Minute
	// MinInterval keeps a live system from being probed in a tight loop.
	MinInterval = 30 * time.Second
	// DefaultManualGap is the least time between two runs that POST /run
	// may start.
	DefaultManualGap = 30 * time.Second
	// Jitter spreads runs by ±10 % of the interval, so replicas (and other
	// pollers of the same databases) do not fall into step.
	Jitter = 0.10
	// shutdownDeadline bounds how long in-flight requests may take to
	// finish once the server stops.
	shutdownDeadline = 5 * time.Second
)

// Options configure a server. Run and Listen (or Listener) are required.
type Options struct {
	// Listen is the TCP address to listen on, e.g. 127.0.0.1:9464.
	Listen string
	// Listener, when set, is used instead of listening on Listen (tests).
	Listener net.Listener
	// Interval is the time between the end of one run and the start of
	// the next, before jitter.
	Interval time.Duration
	// RunTimeout is the longest a run can take (the run's own deadline plus
	// the time its checks get to clean up); it bounds how long POST /run
	// may wait.
	RunTimeout time.Duration
	// Run performs one run of the checks. Its context ends when the server
	// stops; it must then return promptly, having cleaned up.
	Run func(ctx context.Context) (report.Report, error)
	// Version is shown on the page.
	Version string
	// Log receives the server's own events (runs, errors); nil discards.
	Log *slog.Logger

	// Seams for tests; nil means the real thing.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the jitter.
	Rand func() float64
	// After is the schedule's timer.
	After func(time.Duration) <-chan time.Time
	// ManualGap overrides DefaultManualGap.
	ManualGap time.Duration
	// Ready is called with the listening address before the first run.
	Ready func(net.Addr)
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.ManualGap <= 0 {
		o.ManualGap = DefaultManualGap
	}
}

// Run serves until ctx ends: then it cancels the run in progress (its
// checks clean up on their own deadlines), waits for it, shuts the HTTP
// server down and returns nil. It returns an error only when it cannot
// listen or the listener fails.
func Run(ctx context.Context, o Options) error {
	if o.Run == nil {
		return errors.New("serve: no Run function")
	}
	o.defaults()
	ln := o.Listener
	if ln == nil {
		var err error
		if ln, err = (&net.ListenConfig{}).Listen(ctx, "tcp", o.Listen); err != nil {
			return err
		}
	}
	st := newState()
	sch := newScheduler(o, st)
	srv := &http.Server{
		Handler:           newHandler(o, st, sch),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// POST /run may wait for a whole run.
		WriteTimeout: o.RunTimeout + time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}
	o.Log.Info("serving", "address", ln.Addr().String(), "interval", o.Interval.String())

	loopCtx, stopLoop := context.WithCancelCause(ctx)
	defer stopLoop(nil)
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		sch.loop(loopCtx)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	var err error
	select {
	case <-ctx.Done():
		o.Log.Info("stopping: cancelling the run in progress, if any")
	case err = <-serveErr:
		stopLoop(err)
	}
	<-loopDone
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownDeadline)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil {
		o.Log.Warn("HTTP shutdown", "error", serr.Error())
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
