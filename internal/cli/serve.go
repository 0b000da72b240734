package cli

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/serve"
)

// ServeOptions are the inputs of `serve`: those of `check` (inputs and
// run settings, so every selection flag applies to each run), plus where to
// listen and how often to run.
type ServeOptions struct {
	Check       CheckOptions
	Listen      string
	Interval    time.Duration
	WriteProbes bool
	Quiet       bool

	// hook, when set, adjusts the server's options (tests inject a
	// listener, a clock and the jitter's random source).
	hook func(*serve.Options)
}

func newCmdServe(s *Streams, b BuildInfo, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	o := &ServeOptions{Check: CheckOptions{Streams: s, Build: b, Color: "never"}}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Keep checking: run the checks on a schedule and serve metrics, health and a report page",
		Long: `Run the checks at start and then every --interval (± 10 %), one run at a time,
and serve the last run's results over HTTP:

  /metrics       Prometheus and OpenMetrics metrics (docs/serve.md lists them)
  /healthz       200 while the process is alive
  /readyz        200 once a run has finished, and while the last one is younger
                 than twice the interval; 503 otherwise
  /              an HTML page: groups, statuses, advice, steps, and when each
                 check last changed status
  /results.json  the last run in the JSON report format
  POST /run      run now (at most once per 30s; concurrent callers share one run)

Requests only read the cached results; they never start a run by themselves.
Serve is read-only by default: no probe objects, messages or DDL on a live
system unless --write-probes is given. SIGTERM or Ctrl-C cancels the run in
progress (its checks clean up what they wrote), stops the server and exits 0.
Logs (JSON) go to stderr.`,
		Example: `  spacectl-preflight serve --from-env --listen 0.0.0.0:9464
  spacectl-preflight serve --env-file spacelift.env --interval 10m --skip 'telemetry.*'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Check.cmd = cmd
			return runF(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	o.Check.Inputs.addFlags(fs)
	config.AddSettingFlags(fs)
	// Exit codes do not depend on the results: a server exits 0 when asked
	// to stop.
	_ = fs.MarkHidden("fail-on")
	fs.StringVar(&o.Listen, "listen", serve.DefaultListen, "address to serve on; 0.0.0.0:9464 (or :9464) to expose it beyond this host")
	fs.DurationVar(&o.Interval, "interval", serve.DefaultInterval, "time between runs (± 10 % jitter), at least "+serve.MinInterval.String())
	fs.BoolVar(&o.WriteProbes, "write-probes", false, "let checks write probe objects, messages and tables (serve is read-only without it)")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "log only warnings and errors")
	fs.BoolVarP(&o.Check.Verbose, "verbose", "v", false, "debug logs (JSON) on stderr, each check's result included")
	return cmd
}

func runServe(ctx context.Context, o *ServeOptions) error {
	if o.Interval < serve.MinInterval {
		return usageErrorf("--interval %s: must be at least %s, so a live system is not probed in a tight loop", o.Interval, serve.MinInterval)
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return usageErrorf("--listen %q: want HOST:PORT, e.g. 127.0.0.1:9464 or 0.0.0.0:9464 (%v)", o.Listen, err)
	}
	o.Check.adjustSettings = serveReadOnly(o.WriteProbes)
	// A server draws no progress bar, whatever its stderr is.
	o.Check.Quiet = true
	p, err := prepare(&o.Check)
	if err != nil {
		return err
	}
	s := o.Check.Streams
	log := p.log
	if !o.Check.Verbose {
		level := slog.LevelInfo
		if o.Quiet {
			level = slog.LevelWarn
		}
		log = slog.New(&scrubHandler{next: slog.NewJSONHandler(s.Err, &slog.HandlerOptions{Level: level}), sc: p.scrubber})
	}
	so := serve.Options{
		Listen:   o.Listen,
		Interval: o.Interval,
		// The run's deadline, the runner's cleanup grace and closing the
		// shared clients, with room to spare.
		RunTimeout: p.settings.Timeout + 30*time.Second,
		Version:    o.Check.Build.Version,
		Log:        log,
		Now:        s.Now,
		Run: func(ctx context.Context) (report.Report, error) {
			// A new plan per run: the previous run closed its clients.
			run := *p
			run.plan = buildPlan(s, p.cfg, p.settings, p.log)
			return execute(ctx, &o.Check, &run)
		},
	}
	if o.hook != nil {
		o.hook(&so)
	}
	if err := serve.Run(ctx, so); err != nil {
		return err
	}
	return nil
}

// serveReadOnly makes serve read-only unless --write-probes is given: a
// live system gets no probe objects, messages or DDL by default.
func serveReadOnly(writeProbes bool) func(*config.RunSettings) error {
	return func(rs *config.RunSettings) error {
		if !writeProbes {
			rs.ReadOnly = true
			return nil
		}
		if rs.ReadOnly && rs.From["readOnly"] == config.FromFlag {
			return usageErrorf("--read-only and --write-probes contradict each other; give one")
		}
		rs.ReadOnly = false
		return nil
	}
}
