// Command bench measures spacectl-preflight end to end against the
// test-services harness and prints every figure docs/performance.md
// tracks. Run it through the harness (make bench does):
//
//	scripts/test-services/run.sh -s postgres,minio,mosquitto -- go run ./scripts/bench -bin bin/spacectl-preflight
//
// It never fails on speed: it exits non-zero only when it cannot measure.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/scripts/bench/perf"
)

type options struct {
	bin       string
	coldRuns  int
	fullRuns  int
	aloneRuns int
	traceRuns int
	profiles  string
	dir       string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/spacectl-preflight", "the built binary to measure")
	flag.IntVar(&o.coldRuns, "cold-runs", 21, "runs per cold-start figure (median reported)")
	flag.IntVar(&o.fullRuns, "full-runs", 5, "full runs per concurrency setting (the median run is reported)")
	flag.IntVar(&o.aloneRuns, "alone-runs", 3, "runs of each check on its own (0 skips the waiting analysis)")
	flag.IntVar(&o.traceRuns, "trace-runs", 3, "traced full runs for the waiting analysis (0 skips it)")
	flag.StringVar(&o.profiles, "profiles", "", "comma-separated profiles to run (default: all)")
	flag.StringVar(&o.dir, "dir", "", "working directory for configs (default: a new temporary one)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench holds what the phases share.
type bench struct {
	o       options
	bin     string
	offEnv  string
	res     *perf.Resources
	targets []target
}

// profile is one full-run configuration, written out.
type profile struct {
	name    string
	envFile string
	procEnv []string
}

type target struct{ name, limit, measured, verdict string }

func (b *bench) target(name, limit, measured string, ok bool) {
	v := "met"
	if !ok {
		v = "MISSED"
	}
	b.targets = append(b.targets, target{name, limit, measured, v})
}

func run(ctx context.Context, o options) error {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (run make build first)", err)
	}
	if o.dir == "" {
		if o.dir, err = os.MkdirTemp("", "spt-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.dir)
	}
	b := &bench{o: o, bin: bin, res: &perf.Resources{}}
	profiles, err := b.configs(ctx)
	if err != nil {
		return err
	}
	if err := b.coldStart(ctx); err != nil {
		return err
	}
	if err := b.initTrace(ctx); err != nil {
		return err
	}
	for _, p := range profiles {
		if err := b.profile(ctx, p); err != nil {
			return fmt.Errorf("profile %s: %w", p.name, err)
		}
	}
	b.printTargets()
	return nil
}

func (b *bench) profile(ctx context.Context, p profile) error {
	fmt.Printf("\n######## profile %s (load %s)\n", p.name, loadAvg())
	list, err := b.listChecks(ctx, p)
	if err != nil {
		return err
	}
	def, one, err := b.fullRuns(ctx, p)
	if err != nil {
		return err
	}
	alone, err := b.aloneRuns(ctx, p, list, def)
	if err != nil {
		return err
	}
	b.printChecks(def, one, alone)
	b.parallelism(def, one)
	if err := b.waits(ctx, p); err != nil {
		return err
	}
	if err := b.connections(ctx, p, list); err != nil {
		return err
	}
	return b.awsConfigs(ctx, p, list)
}

func section(title string) { fmt.Printf("\n== %s\n", title) }

func (b *bench) configs(ctx context.Context) ([]profile, error) {
	section("configuration")
	all := perf.Profiles()
	off, err := perf.BuildConfig(ctx, all[0].Backends, os.LookupEnv, true, b.res)
	if err != nil {
		return nil, err
	}
	b.offEnv = filepath.Join(b.o.dir, "offline.env")
	if err := perf.WriteEnvFile(b.offEnv, off.Lines); err != nil {
		return nil, err
	}
	fmt.Printf("offline config (cold start): %s\n", strings.Join(off.Used, "; "))
	var out []profile
	for _, pr := range all {
		if b.o.profiles != "" && !slices.Contains(strings.Split(b.o.profiles, ","), pr.Name) {
			continue
		}
		if m := pr.Missing(os.LookupEnv); len(m) > 0 {
			fmt.Printf("profile %s skipped: %s not set (start those services)\n", pr.Name, strings.Join(m, ", "))
			continue
		}
		c, err := perf.BuildConfig(ctx, pr.Backends, os.LookupEnv, false, b.res)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", pr.Name, err)
		}
		p := profile{name: pr.Name, envFile: filepath.Join(b.o.dir, pr.Name+".env"), procEnv: c.ProcEnv}
		if err := perf.WriteEnvFile(p.envFile, c.Lines); err != nil {
			return nil, err
		}
		fmt.Printf("profile %s: %s\n", pr.Name, strings.Join(c.Used, "; "))
		for _, s := range c.Skipped {
			fmt.Printf("  left out: %s\n", s)
		}
		out = append(out, p)
	}
	return out, nil
}

func (b *bench) measure(ctx context.Context, env []string, args ...string) (perf.Measurement, error) {
	return perf.Measure(ctx, perf.Command{Path: b.bin, Args: args, Env: env})
}

// coldCmd is one command whose start-up is timed.
type coldCmd struct {
	name string
	cmd  perf.Command
	ds   []time.Duration
	rss  int64
}

// interleave runs each command once to warm the page cache, then n rounds
// of all of them in turn, so load that comes and goes on a shared machine
// hits them alike.
func interleave(ctx context.Context, n int, cs []*coldCmd) error {
	for round := -1; round < n; round++ {
		for _, c := range cs {
			m, err := perf.Measure(ctx, c.cmd)
			if err != nil {
				return err
			}
			if m.ExitCode > 1 {
				return fmt.Errorf("%s: exit %d: %s", c.name, m.ExitCode, m.Stderr)
			}
			if round >= 0 {
				c.ds = append(c.ds, m.Wall)
				c.rss = max(c.rss, m.MaxRSS)
			}
		}
	}
	return nil
}

// helloWorld builds the smallest Go program, the floor for a Go binary's
// cold start on this machine.
func helloWorld(ctx context.Context, dir string) (string, error) {
	d := filepath.Join(dir, "hello")
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	src := "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"
	if err := os.WriteFile(filepath.Join(d, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(d, "hello")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = d
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building hello world: %v: %s", err, out)
	}
	return bin, nil
}

// cleanEnv is the environment for measured runs: the harness's variables
// are not Spacelift's, and --from-env is not used, so only what the
// process itself needs is kept.
func cleanEnv(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}
	return append(env, extra...)
}

func (b *bench) coldStart(ctx context.Context) error {
	section(fmt.Sprintf("cold start (%d interleaved rounds, after one warm-up; machine: %d CPUs, load %s)", b.o.coldRuns, runtime.NumCPU(), loadAvg()))
	hello, err := helloWorld(ctx, b.o.dir)
	if err != nil {
		return err
	}
	env := cleanEnv()
	h := &coldCmd{name: "hello world (Go floor)", cmd: perf.Command{Path: hello, Env: env}}
	v := &coldCmd{name: "version", cmd: perf.Command{Path: b.bin, Args: []string{"version"}, Env: env}}
	c := &coldCmd{name: "check (offline config)", cmd: perf.Command{Path: b.bin, Args: []string{"check", "--env-file", b.offEnv, "-o", "json"}, Env: env}}
	if err := interleave(ctx, b.o.coldRuns, []*coldCmd{h, v, c}); err != nil {
		return err
	}
	floor := perf.Median(h.ds)
	for _, x := range []*coldCmd{h, v, c} {
		m := perf.Median(x.ds)
		fmt.Printf("%-24s %s, peak RSS %s, %.1f× the floor (+%s)\n", x.name+":", perf.SpreadOf(x.ds), perf.MB(x.rss),
			float64(m)/float64(floor), perf.Ms(m-floor))
	}
	vm, cm := perf.Median(v.ds), perf.Median(c.ds)
	b.target("`version` cold start (median)", "≤ 20 ms", fmt.Sprintf("%s (a Go hello world: %s)", perf.Ms(vm), perf.Ms(floor)), vm <= 20*time.Millisecond)
	b.target("`check` cold start, offline config (median)", "(tracked)", fmt.Sprintf("%s (%.1f× `version`)", perf.Ms(cm), float64(cm)/float64(vm)), true)
	return nil
}

// loadAvg is the 1-minute load average, for judging the figures.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

func (b *bench) initTrace(ctx context.Context) error {
	const runs = 11
	section(fmt.Sprintf("package init cost of `version` (GODEBUG=inittrace=1, median of %d runs)", runs))
	var traces [][]perf.InitCost
	for range runs {
		m, err := b.measure(ctx, cleanEnv("GODEBUG=inittrace=1"), "version")
		if err != nil {
			return err
		}
		traces = append(traces, perf.ParseInitTrace(m.Stderr))
	}
	s := perf.SummarizeInit(traces, 12)
	fmt.Printf("all package inits: %s (%d packages with init work)\n", perf.Ms(s.Total), len(perf.SummarizeInit(traces, 1<<30).Top))
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "module\tclock\theap")
	for _, c := range perf.ByModule(traces)[:min(15, len(perf.ByModule(traces)))] {
		fmt.Fprintf(tw, "%s\t%.2f ms\t%d KB\n", c.Package, float64(c.Clock)/1e6, c.Bytes/1024)
	}
	fmt.Fprintln(tw, "\t\t")
	fmt.Fprintln(tw, "package\tclock\theap")
	for _, c := range s.Top {
		fmt.Fprintf(tw, "%s\t%.2f ms\t%d KB\n", c.Package, float64(c.Clock)/1e6, c.Bytes/1024)
	}
	return tw.Flush()
}

func (b *bench) listChecks(ctx context.Context, p profile) ([]perf.CheckInfo, error) {
	m, err := b.measure(ctx, cleanEnv(p.procEnv...), "checks", "--env-file", p.envFile, "-o", "json")
	if err != nil {
		return nil, err
	}
	if m.ExitCode != 0 {
		return nil, fmt.Errorf("checks: exit %d: %s", m.ExitCode, m.Stderr)
	}
	return perf.ParseChecks(m.Stdout)
}

func (b *bench) fullRun(ctx context.Context, p profile, extra ...string) (perf.Run, error) {
	// The table is what a user gets by default; render it too (to a file,
	// as stdout carries the JSON) so its cost is part of the wall time.
	args := append([]string{"check", "--env-file", p.envFile, "-o", "json", "-o", "table=" + filepath.Join(b.o.dir, "table.txt")}, extra...)
	m, err := b.measure(ctx, cleanEnv(p.procEnv...), args...)
	if err != nil {
		return perf.Run{}, err
	}
	if m.ExitCode > 1 {
		return perf.Run{}, fmt.Errorf("%s: exit %d: %s", strings.Join(args, " "), m.ExitCode, m.Stderr)
	}
	return perf.ParseRun(m)
}

func (b *bench) fullRuns(ctx context.Context, p profile) (def, one perf.Run, err error) {
	section(fmt.Sprintf("full run (%d runs per setting; the median run is shown)", b.o.fullRuns))
	var defs, ones []perf.Run
	var rss int64
	if _, err := b.fullRun(ctx, p); err != nil { // warm-up
		return def, one, err
	}
	for range b.o.fullRuns {
		r, err := b.fullRun(ctx, p)
		if err != nil {
			return def, one, err
		}
		defs = append(defs, r)
		rss = max(rss, r.MaxRSS)
		r, err = b.fullRun(ctx, p, "--concurrency", "1")
		if err != nil {
			return def, one, err
		}
		ones = append(ones, r)
		rss = max(rss, r.MaxRSS)
	}
	def, one = perf.MedianRun(defs), perf.MedianRun(ones)
	// Kept for a closer look (with -dir): the median run's report.
	if err := os.WriteFile(filepath.Join(b.o.dir, p.name+"-report.json"), def.Stdout, 0o600); err != nil {
		return def, one, err
	}
	for _, x := range []struct {
		name string
		r    perf.Run
	}{{"default concurrency", def}, {"--concurrency 1", one}} {
		s := x.r.Slowest()
		fmt.Printf("%-20s wall %s (runner %s), %d of %d checks ran, slowest %s %s, sum of checks %s, wall/slowest %.2f, peak RSS %s, %s\n",
			x.name+":", perf.Ms(x.r.Wall), perf.Ms(x.r.Report.Duration), x.r.Ran(), len(x.r.Report.Results), s.ID, perf.Ms(s.Duration),
			perf.Ms(x.r.SumOfChecks()), x.r.Ratio(), perf.MB(x.r.MaxRSS), summary(x.r))
	}
	s := def.Slowest().Duration
	budget := perf.WallBudget(s)
	b.target(p.name+": full run wall time (default concurrency)", fmt.Sprintf("≤ 1.25 × slowest check + 30 ms = %s", perf.Ms(budget)),
		fmt.Sprintf("%s (slowest %s %s; ratio %.2f)", perf.Ms(def.Wall), def.Slowest().ID, perf.Ms(s), def.Ratio()), def.Wall <= budget)
	b.target(p.name+": peak RSS of a full run (max of all runs)", "≤ 80 MB", perf.MB(rss), rss <= 80<<20)
	return def, one, nil
}

func summary(r perf.Run) string {
	s := r.Report.Summary
	return fmt.Sprintf("%s: %d pass, %d warn, %d fail, %d error, %d skip", s.Status, s.Pass, s.Warn, s.Fail, s.Error, s.Skip)
}

// aloneRuns times each check that ran, on its own (with what it needs), to
// see whether it waited for anything in the full run.
func (b *bench) aloneRuns(ctx context.Context, p profile, list []perf.CheckInfo, def perf.Run) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	if b.o.aloneRuns <= 0 {
		return out, nil
	}
	for _, e := range def.Report.Results {
		if e.Status == checks.Skip {
			continue
		}
		var ds []time.Duration
		for range b.o.aloneRuns {
			r, err := b.fullRun(ctx, p, perf.OnlyArgs(perf.WithNeeds(list, e.ID))...)
			if err != nil {
				return nil, err
			}
			for _, x := range r.Report.Results {
				if x.ID == e.ID {
					ds = append(ds, x.Duration)
				}
			}
		}
		out[e.ID] = perf.Median(ds)
	}
	return out, nil
}

func (b *bench) printChecks(def, one perf.Run, alone map[string]time.Duration) {
	section("each check's duration (from the JSON durationMs; alone = run with only what it needs)")
	oneBy := map[string]time.Duration{}
	for _, e := range one.Report.Results {
		oneBy[e.ID] = e.Duration
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "check\tstatus\tdefault\t--concurrency 1\talone\tin run − alone\t")
	for _, e := range def.Report.Results {
		if e.Status == checks.Skip && e.Duration == 0 {
			continue
		}
		a, ok := alone[e.ID]
		aloneCol, diffCol := "-", "-"
		if ok {
			aloneCol = perf.Ms(a)
			diffCol = perf.Ms(e.Duration - a)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", e.ID, e.Status, perf.Ms(e.Duration), perf.Ms(oneBy[e.ID]), aloneCol, diffCol)
	}
	_ = tw.Flush()
	var skipped []string
	for _, e := range def.Report.Results {
		if e.Status == checks.Skip && e.Duration == 0 {
			skipped = append(skipped, e.ID)
		}
	}
	fmt.Printf("not run (%d): %s\n", len(skipped), strings.Join(skipped, ", "))
	if len(alone) > 0 {
		var slower []string
		for _, e := range def.Report.Results {
			a, ok := alone[e.ID]
			// Noise on a shared machine is a few ms; more than that and more
			// than half again is worth a look in the trace analysis below.
			if ok && e.Duration-a > 10*time.Millisecond && e.Duration > a*3/2 {
				slower = append(slower, fmt.Sprintf("%s (+%s)", e.ID, perf.Ms(e.Duration-a)))
			}
		}
		if len(slower) == 0 {
			slower = []string{"none"}
		}
		fmt.Printf("slower in the run than alone by > 10 ms and > 50%%: %s\n", strings.Join(slower, ", "))
	}
}

// parallelism compares the default run with the serial one.
func (b *bench) parallelism(def, one perf.Run) {
	section("parallelism")
	fmt.Printf("serial/default wall: %.2f× (%s / %s); sum of checks / default wall: %.2f×\n",
		float64(one.Wall)/float64(def.Wall), perf.Ms(one.Wall), perf.Ms(def.Wall),
		float64(def.SumOfChecks())/float64(def.Wall))
	fmt.Printf("outside the runner (start-up, config, rendering, exit): %s of the default run's wall\n",
		perf.Ms(def.Wall-def.Report.Duration))
}

// waits traces full runs and reads, from the execution trace, where
// checks blocked on each other (sync) and how long they had no CPU (sched).
func (b *bench) waits(ctx context.Context, p profile) error {
	n := b.o.traceRuns
	if n <= 0 {
		return nil
	}
	section(fmt.Sprintf("where checks wait (execution trace of %d full runs, check --trace; per-run mean)", n))
	var syncB, schedB []perf.Block
	for i := range n {
		path := filepath.Join(b.o.dir, fmt.Sprintf("%s-trace-%d.out", p.name, i))
		if _, err := b.fullRun(ctx, p, "--trace", path); err != nil {
			return err
		}
		for _, k := range []struct {
			kind string
			dst  *[]perf.Block
		}{{"sync", &syncB}, {"sched", &schedB}} {
			text, err := delayProfile(ctx, path, k.kind)
			if err != nil {
				return err
			}
			*k.dst = append(*k.dst, perf.ParsePprofTraces(text)...)
		}
	}
	per := func(d time.Duration) string { return perf.Ms(d / time.Duration(n)) }
	shared, own := perf.Shared(perf.CodeWaits(syncB))
	fmt.Println("blocked in check code on a primitive several checks use (one check waiting for another):")
	for _, w := range shared {
		fmt.Printf("  %-55s at %-35s %s\n", w.Check, w.Site, per(w.Delay))
	}
	var flagged []string
	for _, w := range perf.BySite(shared) {
		flagged = append(flagged, fmt.Sprintf("%s: %s blocked %s in total", w.Site, w.Check, per(w.Delay)))
	}
	if len(shared) == 0 {
		fmt.Println("  none")
	}
	fmt.Println("other blocking in check code (one check function: its own goroutines, or a lock shared by checks built from one closure):")
	for _, w := range own {
		fmt.Printf("  %-55s at %-35s %s\n", w.Check, w.Site, per(w.Delay))
	}
	fmt.Println("runnable but without a CPU (scheduler latency; CPU contention between checks and other processes):")
	for _, w := range perf.CheckDelays(schedB) {
		fmt.Printf("  %-55s %s\n", w.Check, per(w.Delay))
	}
	measured := "none"
	if len(flagged) > 0 {
		measured = strings.Join(flagged, "; ")
	}
	b.target(p.name+": no check waits for another unless it declares needs (blocking on a primitive several checks share, per run, from the execution trace)",
		"none", measured, len(shared) == 0)
	return nil
}

// delayProfile turns an execution trace into a delay profile of the given
// kind and prints its stacks (go tool trace, go tool pprof).
func delayProfile(ctx context.Context, tracePath, kind string) (string, error) {
	prof := tracePath + "." + kind + ".pprof"
	out, err := exec.CommandContext(ctx, "go", "tool", "trace", "-pprof="+kind, tracePath).Output()
	if err != nil {
		return "", fmt.Errorf("go tool trace -pprof=%s: %w", kind, err)
	}
	if err := os.WriteFile(prof, out, 0o600); err != nil {
		return "", err
	}
	text, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-traces", prof).Output()
	if err != nil {
		return "", fmt.Errorf("go tool pprof -traces: %w", err)
	}
	return string(text), nil
}

// connections counts PostgreSQL sessions per group and for a full run.
func (b *bench) connections(ctx context.Context, p profile, list []perf.CheckInfo) error {
	admin, found := os.LookupEnv("SPT_PG17_URL")
	if !found {
		return nil
	}
	section("PostgreSQL sessions opened (pg_stat_database.sessions on " + perf.BenchDatabase + ")")
	sc := perf.SessionCounter{AdminURL: admin, Database: perf.BenchDatabase}
	count := func(extra ...string) (int64, error) {
		before, err := sc.Sessions(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := b.fullRun(ctx, p, extra...); err != nil {
			return 0, err
		}
		after, err := sc.Sessions(ctx)
		return after - before, err
	}
	full, err := count()
	if err != nil {
		return err
	}
	fmt.Printf("full run: %d\n", full)
	var per []string
	ok := true
	for _, g := range perf.Groups(list) {
		n, err := count("--only", g+".*")
		if err != nil {
			return err
		}
		if n > 0 {
			per = append(per, fmt.Sprintf("%s %d", g, n))
		}
		ok = ok && n <= 1 && (g != "postgres" || n == 1)
		fmt.Printf("--only '%s.*': %d\n", g, n)
	}
	name := p.name + ": one PostgreSQL connection per backend per run (sessions opened to DATABASE_URL's database, full run and per group)"
	measured := fmt.Sprintf("%d (by group: %s)", full, strings.Join(per, ", "))
	if !slices.Contains(perf.Groups(list), "postgres") {
		b.targets = append(b.targets, target{name, "1 per group", measured, "n/a: no postgres check in this build"})
		return nil
	}
	b.target(name, "1 per group", measured, ok)
	return nil
}

func (b *bench) printTargets() {
	section(fmt.Sprintf("targets (markdown, for docs/performance.md; %s, %s/%s, %d CPUs, load %s at the end)",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAvg()))
	fmt.Println("| Target | Limit | Measured | |")
	fmt.Println("|---|---|---|---|")
	for _, t := range b.targets {
		fmt.Printf("| %s | %s | %s | %s |\n", t.name, t.limit, t.measured, t.verdict)
	}
}

// awsConfigs counts the AWS configs a run loads: each has its own
// credentials cache, so each fetches once from the endpoint the profile
// points the SDK's default chain at.
func (b *bench) awsConfigs(ctx context.Context, p profile, list []perf.CheckInfo) error {
	if !slices.ContainsFunc(p.procEnv, func(kv string) bool { return strings.HasPrefix(kv, "AWS_CONTAINER_CREDENTIALS_FULL_URI=") }) {
		return nil
	}
	section("AWS configs loaded (credential fetches from the container-credentials endpoint)")
	count := func(extra ...string) (int64, error) {
		before := b.res.CredentialFetches.Load()
		_, err := b.fullRun(ctx, p, extra...)
		return b.res.CredentialFetches.Load() - before, err
	}
	full, err := count()
	if err != nil {
		return err
	}
	fmt.Printf("full run: %d\n", full)
	var per []string
	for _, g := range perf.Groups(list) {
		n, err := count("--only", g+".*")
		if err != nil {
			return err
		}
		if n > 0 {
			per = append(per, fmt.Sprintf("%s %d", g, n))
			fmt.Printf("--only '%s.*': %d\n", g, n)
		}
	}
	b.target(p.name+": one AWS config loaded per run (credential fetches by the SDK's default chain)", "1",
		fmt.Sprintf("%d (by group: %s)", full, strings.Join(per, ", ")), full == 1)
	return nil
}
