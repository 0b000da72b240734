package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
	"github.com/spacelift-io/spacectl-preflight/internal/suggest"
)

// CheckOptions are the inputs of `check`.
type CheckOptions struct {
	Streams *Streams
	Build   BuildInfo
	Inputs  InputOptions
	Outputs []string
	Color   string
	Quiet   bool
	Verbose bool
	Profile profileFlags
	cmd     *cobra.Command
	// logCapture, when set, also receives the debug log at debug level
	// (the support bundle keeps it); extraSecrets are scrubbed besides
	// the configured ones.
	logCapture   io.Writer
	extraSecrets []secret.Named
	// allowNoInput lets `bundle --results` pack an earlier run without a
	// configuration.
	allowNoInput bool
	// adjustSettings, when set, changes the resolved settings before the
	// plan is built (serve turns read-only on unless --write-probes).
	adjustSettings func(*config.RunSettings) error
}

func newCmdCheck(s *Streams, b BuildInfo, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	o := &CheckOptions{Streams: s, Build: b}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the checks and report the results",
		Long: `Run every check the configuration enables and report the results.

Results go to stdout (or to files with -o FORMAT=PATH); progress and logs go
to stderr. --only also runs the checks the selected ones need. Exit codes:
0 no failure, 1 a check failed, 2 bad usage or configuration, or nothing was
checked, 3 internal error, 130 interrupted.`,
		Example: `  spacectl-preflight check --env-file spacelift.env
  spacectl-preflight check -c spacectl-preflight.yaml -o table -o junit=report.xml -o json=results.json
  spacectl-preflight check --from-env --only 'postgres.*' --read-only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cmd = cmd
			return runF(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	o.Inputs.addFlags(fs)
	config.AddSettingFlags(fs)
	fs.StringArrayVarP(&o.Outputs, "output", "o", nil, "output FORMAT[=PATH] (repeatable): "+strings.Join(report.Formats(), ", ")+"; default table on stdout")
	fs.StringVar(&o.Color, "color", "auto", "colour: auto (a terminal without NO_COLOR), always (even with NO_COLOR) or never")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "only the result and errors: no progress on stderr")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "debug logs (JSON) on stderr")
	o.Profile.add(fs)
	return cmd
}

// prepared is everything a run needs, resolved before any check starts.
type prepared struct {
	cfg      *config.Config
	settings config.RunSettings
	outputs  []outputSpec
	plan     *checks.Plan
	scrubber *secret.Scrubber
	log      *slog.Logger
}

// prepare loads and validates all inputs; any mistake returns before a
// single check runs (exit 2).
func prepare(o *CheckOptions) (*prepared, error) {
	s := o.Streams
	if err := validColor(o.Color); err != nil {
		return nil, err
	}
	outputs, err := parseOutputs(o.Outputs)
	if err != nil {
		return nil, err
	}
	cfg, err := o.Inputs.load(s)
	if err != nil {
		return nil, err
	}
	if !o.allowNoInput {
		if err := o.Inputs.requireSome(cfg); err != nil {
			return nil, err
		}
	}
	rs, err := resolveSettings(s, o.cmd.Flags(), cfg.Preflight)
	if err != nil {
		return nil, err
	}
	if o.adjustSettings != nil {
		if err := o.adjustSettings(&rs); err != nil {
			return nil, err
		}
	}
	sc := secret.NewScrubberKnowing(knownValues(cfg), append(namedSecrets(cfg), o.extraSecrets...)...)
	logW, verbose := io.Writer(s.Err), o.Verbose
	if o.logCapture != nil {
		logW, verbose = o.logCapture, true
		if o.Verbose {
			logW = io.MultiWriter(s.Err, o.logCapture)
		}
	}
	log := newLogger(logW, verbose, sc)
	s.logs.route(log)
	plan := buildPlan(s, cfg, rs, log)
	if err := validateSelection(plan.Checks(), rs, cfg.Preflight); err != nil {
		return nil, err
	}
	// A gate that runs nothing must not go green; packing earlier results
	// (bundle --results) runs nothing by design.
	if !o.allowNoInput {
		if err := requireSomeCheck(plan.Checks(), rs, sc); err != nil {
			return nil, err
		}
	}
	log.Debug("configuration loaded", "files", strings.Join(cfg.Files, ","), "variables", len(cfg.Names()),
		"target", rs.Target, "concurrency", rs.Concurrency, "timeout", rs.Timeout.String(), "checkTimeout", rs.CheckTimeout.String(), "readOnly", rs.ReadOnly, "probeAllBuckets", rs.ProbeAllBuckets, "stage", rs.Stage)
	return &prepared{cfg: cfg, settings: rs, outputs: outputs, plan: plan, scrubber: sc, log: log}, nil
}

// buildPlan registers the checks of the target's backends for one run.
// serve builds a new plan for each run: a plan's shared clients are
// closed when its run ends.
func buildPlan(s *Streams, cfg *config.Config, rs config.RunSettings, log *slog.Logger) *checks.Plan {
	return checks.Build(s.backendsFor(rs.Target), cfg, checks.Options{ReadOnly: rs.ReadOnly, ProbeAllBuckets: rs.ProbeAllBuckets, Stage: stage(rs), Logger: log})
}

// namedSecrets names each configured secret after its variable, so
// redaction counts and the bundle's sweep can say which one matched. A
// variable that is not secret but holds a URL with credentials (a password
// pasted into an endpoint) is a secret all the same.
func namedSecrets(cfg *config.Config) []secret.Named {
	var out []secret.Named
	for _, n := range cfg.Names() {
		v, ok := cfg.Catalog().Lookup(n)
		switch {
		case ok && v.Secret && cfg.Has(n):
			rule := n
			if src, _ := cfg.Source(n); src.Inherited {
				rule = src.String()
			}
			out = append(out, secret.Named{Rule: rule, Value: cfg.Secret(n)})
		case cfg.Has(n) && secret.HasCredentials(cfg.Get(n)):
			out = append(out, secret.Named{Rule: n + " (credentials in the URL)", Value: secret.New(cfg.Get(n))})
		}
	}
	return out
}

func runCheck(ctx context.Context, o *CheckOptions) error {
	stopProfile, err := o.Profile.start(o.Streams.Err)
	if err != nil {
		return err
	}
	defer stopProfile()
	p, err := prepare(o)
	if err != nil {
		return err
	}
	rep, err := execute(ctx, o, p)
	if err != nil {
		return err
	}
	if err := writeOutputs(o.Streams, p.outputs, rep, o.Color, p.scrubber); err != nil {
		return err
	}
	return verdict(rep, failOn(p.settings))
}

// execute runs the plan and builds the report.
func execute(ctx context.Context, o *CheckOptions, p *prepared) (report.Report, error) {
	s := o.Streams
	log := p.log
	runCtx, cancel := context.WithTimeoutCause(ctx, p.settings.Timeout, errors.New("whole-run deadline (--timeout) expired"))
	defer cancel()
	var prog *progress
	ropts := checks.RunOptions{
		Concurrency: p.settings.Concurrency, CheckTimeout: p.settings.CheckTimeout, Timeouts: p.settings.CheckTimeouts,
		Only: p.settings.Only, Skip: p.settings.Skip, Scrub: p.scrubber.Scrub, Now: s.Now,
	}
	if s.StderrTTY && !o.Quiet {
		prog = newProgress(s.Err, s.Width)
		ropts.Progress = prog.event
	}
	started := s.Now()
	list := p.plan.Checks()
	outcomes := checks.Run(runCtx, list, ropts)
	// Shared clients are closed with a fresh short deadline: the run's own
	// context may already be cancelled, and closing must still happen.
	closeCtx, closeCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	p.plan.Close(closeCtx)
	closeCancel()
	if prog != nil {
		prog.clear()
	}
	for _, oc := range outcomes {
		log.Debug("check finished", "id", oc.Check.ID, "status", oc.Result.Status.String(), "durationMs", oc.Duration.Milliseconds(), "message", oc.Result.Message)
	}
	rep := report.New(report.Tool{Name: "spacectl-preflight", Version: o.Build.Version}, started, s.Now().Sub(started), outcomes)
	rep.Interrupted = errors.Is(context.Cause(ctx), checks.ErrInterrupted)
	return rep, nil
}

// verdict maps the summary to the exit status; renderers never do. A run
// in which every check was skipped proved nothing: it is not a pass.
func verdict(r report.Report, failOn checks.Status) error {
	if r.Interrupted {
		return InterruptedError{}
	}
	worst := r.Summary.Status
	if worst == checks.Skip {
		return &UsageError{Err: errors.New("nothing was checked: every check was skipped; the report says why")}
	}
	if worst >= failOn && worst != checks.Skip && worst != checks.Pass {
		return ChecksFailedError{}
	}
	return nil
}

// requireSomeCheck refuses, before anything runs, a selection under which
// no check would execute (every one deselected, disabled or waiting for a
// prerequisite that is), naming the --only/--skip that caused it. A reason
// a check is disabled may quote a configured value, so each line is
// scrubbed and escaped like a result.
func requireSomeCheck(list []checks.Check, rs config.RunSettings, sc *secret.Scrubber) error {
	why, none := checks.Select(list, rs.Only, rs.Skip).NothingRuns(list)
	if !none {
		return nil
	}
	for i, w := range why {
		why[i] = safetext.EscapeLine(sc.Scrub(w))
	}
	msg := "nothing was checked: " + why[0]
	if len(why) > 1 {
		msg = "nothing was checked:\n  " + strings.Join(why, "\n  ")
	}
	return usageErrorf("%s\n  hint: `spacectl-preflight checks` lists every check, whether this configuration enables it and why not", msg)
}

// validateSelection rejects --only/--skip globs and config check IDs that
// match no registered check, so a typo never silently disables a gate.
func validateSelection(list []checks.Check, rs config.RunSettings, pf config.Preflight) error {
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	var problems []string
	for _, g := range append(append([]string(nil), rs.Only...), rs.Skip...) {
		if _, err := path.Match(g, ""); err != nil {
			problems = append(problems, fmt.Sprintf("%q is not a valid glob", g))
			continue
		}
		if !matchesAny(g, ids) {
			problems = append(problems, unknownID(g, ids))
		}
	}
	var cfgIDs []string
	for id := range pf.CheckIDPos {
		cfgIDs = append(cfgIDs, id)
	}
	sort.Strings(cfgIDs)
	for _, id := range cfgIDs {
		if !matchesAny(id, ids) {
			problems = append(problems, pf.CheckIDPos[id].String()+": preflight.checks: "+unknownID(id, ids))
		}
	}
	if len(problems) > 0 {
		return usageErrorf("%s\n  hint: `spacectl-preflight checks` lists every check ID", strings.Join(problems, "\n"))
	}
	return nil
}

func matchesAny(glob string, ids []string) bool {
	for _, id := range ids {
		if ok, _ := path.Match(glob, id); ok {
			return true
		}
	}
	return false
}

func unknownID(g string, ids []string) string {
	msg := fmt.Sprintf("%q matches no check", g)
	if best := suggest.Closest(g, ids, 3); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	}
	return msg
}
