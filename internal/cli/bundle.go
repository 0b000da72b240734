package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/internal/bundle"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Deadlines of the bundle's own network collection: a normal run may spend
// longer than a run the user has just interrupted.
const (
	bundleNetDeadline       = 30 * time.Second
	bundleInterruptDeadline = 5 * time.Second
)

// BundleOptions are the inputs of `bundle`: those of `check`, except that
// -o names the archive.
type BundleOptions struct {
	Check   CheckOptions
	Output  string
	Results string
	DryRun  bool
	Force   bool

	// Test seams: files added to the archive as they are (the sweep must
	// catch what they hold), and the network collection's options.
	extraFiles []bundle.File
	net        bundle.NetOptions
}

func newCmdBundle(s *Streams, b BuildInfo, runF func(context.Context, *BundleOptions) error) *cobra.Command {
	o := &BundleOptions{Check: CheckOptions{Streams: s, Build: b, Color: "never"}}
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Run the checks and pack everything support needs into one redacted archive",
		Long: `Run the checks (or pack an earlier run given with --results) and write
spacectl-preflight-bundle-<UTC timestamp>.tar.gz (or -o PATH, mode 0600) with the
results in every format, the effective configuration with secrets redacted and
where each value came from, the tool version and platform, DNS and TLS facts of
every configured endpoint, per-check timings, the debug log and a manifest.

Before the archive is written, every file is searched for every configured
secret in its common encodings; if one is found, nothing is written and the
command exits 3, naming the file and the rule (never the value).
See docs/support-bundle.md for how to inspect a bundle before sending it.

Exit codes are those of check (0, 1, 2, 130); with --results, 0 once the bundle
is written. 3 means no bundle was written. Ctrl-C still writes a bundle, marked
incomplete in its manifest.`,
		Example: `  spacectl-preflight bundle --env-file spacelift.env
  spacectl-preflight bundle -c spacectl-preflight.yaml -o /tmp/support.tar.gz
  spacectl-preflight bundle --env-file spacelift.env --results results.json
  spacectl-preflight bundle --env-file spacelift.env --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Check.cmd = cmd
			return runF(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	o.Check.Inputs.addFlags(fs)
	config.AddSettingFlags(fs)
	fs.StringVarP(&o.Output, "output", "o", "", "archive path (default ./spacectl-preflight-bundle-<UTC timestamp>.tar.gz)")
	fs.StringVar(&o.Results, "results", "", "pack the results of an earlier `check -o json=FILE` instead of running the checks")
	fs.BoolVar(&o.DryRun, "dry-run", false, "list what would be collected; run nothing, contact nothing, write nothing")
	fs.BoolVar(&o.Force, "force", false, "overwrite the archive -o names if it exists")
	fs.BoolVarP(&o.Check.Quiet, "quiet", "q", false, "no progress or summary on stderr")
	fs.BoolVarP(&o.Check.Verbose, "verbose", "v", false, "also print the debug logs (JSON) on stderr; the bundle keeps them either way")
	return cmd
}

func runBundle(ctx context.Context, o *BundleOptions) error {
	s := o.Check.Streams
	var packed *report.Report
	if o.Results != "" {
		limit, err := o.Check.Inputs.limit(s)
		if err != nil {
			return err
		}
		r, err := readResults(o.Results, limit.Bytes)
		if err != nil {
			return err
		}
		packed = &r
		o.Check.allowNoInput = true
	}
	logBuf := bundle.NewLogBuffer(bundle.DefaultLogHead, bundle.DefaultLogTail)
	o.Check.logCapture = logBuf
	o.Check.extraSecrets = environmentSecrets(s.catalog(), s.Env)
	p, err := prepare(&o.Check)
	if err != nil {
		return err
	}
	createdAt := s.Now().UTC()
	path := o.Output
	if path == "" {
		path = bundle.DefaultName(createdAt)
	}
	if err := checkDestination(path, o.Force); err != nil {
		return err
	}
	eps, missing := bundle.Endpoints(p.plan.Backends(), p.cfg)
	if o.DryRun {
		return printDryRun(o, p, path, eps, missing)
	}

	var rep report.Report
	if packed != nil {
		rep = packed.WithGroupTitles(func(id string) string { return checks.GroupTitle(s.allBackends(), id) })
	} else if rep, err = execute(ctx, &o.Check, p); err != nil {
		return err
	}

	// After Ctrl-C the run's context is cancelled; the bundle is still
	// collected and written, under a fresh short deadline.
	var incomplete []string
	interrupted := errors.Is(context.Cause(ctx), checks.ErrInterrupted)
	if interrupted && packed == nil {
		incomplete = append(incomplete, "the run was interrupted (Ctrl-C): checks that had not finished are reported as interrupted or not run")
	}
	if packed != nil && packed.Interrupted {
		incomplete = append(incomplete, "the packed results come from an interrupted run")
	}
	netCtx, cancel := context.WithTimeout(ctx, bundleNetDeadline)
	if ctx.Err() != nil {
		netCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), bundleInterruptDeadline)
	}
	nopts := o.net
	nopts.Log, nopts.Scrub, nopts.Now = p.log, p.scrubber.Scrub, s.Now
	netReports, collected, notCollected := bundle.CollectNetwork(netCtx, eps, nopts)
	cancel()
	if !interrupted && errors.Is(context.Cause(ctx), checks.ErrInterrupted) {
		incomplete = append(incomplete, "interrupted (Ctrl-C) while collecting DNS and TLS facts")
	}
	p.log.Debug("bundle: assembling", "path", path, "endpoints", len(eps), "complete", len(incomplete) == 0)

	in := bundle.Input{
		Report: rep, Config: p.cfg, Settings: settingSources(p.settings),
		Build: bundle.Build(o.Check.Build), Env: s.Env, Network: netReports,
		Collected: collected, NotCollected: append(missing, notCollected...),
		Log: logBuf, Scrubber: p.scrubber, CreatedAt: createdAt, Incomplete: incomplete, ExtraFiles: o.extraFiles,
	}
	if packed != nil {
		in.ResultsFile = filepath.Base(o.Results)
	}
	files, err := bundle.Assemble(in)
	if err != nil {
		return err
	}
	if err := bundle.Write(path, files, p.scrubber, createdAt); err != nil {
		return err
	}
	fmt.Fprintln(s.Out, path)
	if !o.Check.Quiet {
		state := "complete"
		if len(incomplete) > 0 {
			state = "INCOMPLETE: " + strings.Join(incomplete, "; ")
		}
		fmt.Fprintf(s.Err, "spacectl-preflight: wrote the support bundle %s (%d files, %s)\n"+
			"  inspect it before sending it: tar -tzf %s; tar -xzOf %s manifest.json\n",
			path, len(files), state, path, path)
	}
	if packed != nil {
		return nil
	}
	return verdict(rep, failOn(p.settings))
}

// readResults loads --results before anything else runs: a wrong path, a
// file that is not a regular file or is larger than the input size limit,
// or a file that is not our JSON is a usage error.
func readResults(path string, limit int64) (report.Report, error) {
	data, err := config.ReadInput(path, limit)
	var ie *config.InputError
	if errors.As(err, &ie) {
		return report.Report{}, usageErrorf("--results %s: %s\n  hint: %s", safetext.EscapeLine(path), ie.Problem, ie.Hint)
	}
	if err != nil {
		return report.Report{}, usageErrorf("--results: %v", err)
	}
	r, err := report.ParseJSON(bytes.NewReader(data))
	if err != nil {
		return report.Report{}, usageErrorf("--results %s: not a JSON report written by `check -o json` (schemaVersion %d): %s",
			safetext.EscapeLine(path), report.SchemaVersion, safetext.EscapeLine(err.Error()))
	}
	return r, nil
}

// checkDestination fails before any check runs when the archive could not
// be written where asked, or would replace an existing file without
// --force (as `config init --file` does).
func checkDestination(path string, force bool) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return usageErrorf("-o %s: %v", path, err)
	}
	if !st.IsDir() {
		return usageErrorf("-o %s: %s is not a directory", path, dir)
	}
	st, err = os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return usageErrorf("-o %s: is a directory; name the archive file", path)
	case err == nil && !force:
		return usageErrorf("-o %s: the file already exists; pass --force to overwrite it, or name another file", path)
	}
	return nil
}

// environmentSecrets returns the secret variables present in the process
// environment, so that a value an SDK read from there (its default
// credential chain does) is redacted and swept even without --from-env.
func environmentSecrets(cat *config.Catalog, env map[string]string) []secret.Named {
	var out []secret.Named
	for _, v := range cat.Vars() {
		if val := env[v.Name]; v.Secret && val != "" {
			out = append(out, secret.Named{Rule: "$" + v.Name + " (process environment)", Value: secret.New(val)})
		}
	}
	return out
}

func printDryRun(o *BundleOptions, p *prepared, path string, eps []bundle.Endpoint, missing []bundle.Item) error {
	s := o.Check.Streams
	var b strings.Builder
	fmt.Fprintf(&b, "Dry run: nothing was run, contacted or written.\n\nWould write %s (mode 0600).\n\n", path)
	if o.Results != "" {
		fmt.Fprintf(&b, "Results: packed from %s.\n", o.Results)
	} else {
		list := p.plan.Checks()
		ids := checks.Select(list, p.settings.Only, p.settings.Skip).Runnable(list)
		fmt.Fprintf(&b, "Results: would run %d checks: %s\n", len(ids), strings.Join(ids, ", "))
	}
	b.WriteString("\n" + bundle.Describe(eps, missing))
	b.WriteString("\nNever collected: secret values in any encoding, environment variable values, backend data, private keys.\n")
	_, err := fmt.Fprint(s.Out, p.scrubber.Clean(b.String()))
	return err
}

// settingSources reports each run setting's effective value and which layer
// set it (flag > SPACECTL_PREFLIGHT_* > YAML preflight: > default), then the
// per-check deadlines, which only the YAML file sets.
func settingSources(rs config.RunSettings) []bundle.Setting {
	var out []bundle.Setting
	for _, st := range config.Settings() {
		out = append(out, bundle.Setting{Name: st.Key, Value: st.Format(rs.SettingValues), Source: st.Origin(rs.From[st.Key])})
	}
	ids := make([]string, 0, len(rs.CheckTimeouts))
	for id := range rs.CheckTimeouts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		out = append(out, bundle.Setting{Name: "checkTimeouts." + id, Value: rs.CheckTimeouts[id].String(), Source: "yaml preflight.checks"})
	}
	return out
}
