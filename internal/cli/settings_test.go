package cli

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// TestRunFlagsComeFromTheSettingsTable: check, bundle and serve all take every
// setting's flag, as the table declares it.
func TestRunFlagsComeFromTheSettingsTable(t *testing.T) {
	root := NewRootCmd(newTestStreams(nil).Streams, BuildInfo{})
	for _, name := range []string{"check", "bundle", "serve"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range config.Settings() {
			f := cmd.Flags().Lookup(s.Flag)
			if f == nil || f.Usage != s.Doc || f.Shorthand != s.Short {
				t.Errorf("%s --%s: %+v", name, s.Flag, f)
			}
		}
	}
}

// TestEnumeratedSettingsMapToTheirTypes: every value the table accepts for
// --stage is a checks.Stage, every --fail-on value a status, and every
// --target value its own list of backends.
func TestEnumeratedSettingsMapToTheirTypes(t *testing.T) {
	n := 0
	for _, s := range config.Settings() {
		for _, v := range s.Choices() {
			var rs config.RunSettings
			switch s.Key {
			case "stage":
				rs.Stage = v
				if st := stage(rs); st != checks.PreInstall && st != checks.PostInstall {
					t.Errorf("stage %q is no checks.Stage", v)
				}
			case "target":
				rs.Target = v
				bs := newTestStreams(nil).Streams.backendsFor(rs.Target)
				if len(bs) == 0 || (v == config.TargetWorker) != (bs[0].Group().ID == "worker") {
					t.Errorf("target %q runs the backends %v", v, bs)
				}
			case "failOn":
				if _, err := checks.ParseStatus(v); err != nil {
					t.Errorf("failOn %q: %v", v, err)
				}
				rs.FailOn = v
				if failOn(rs).String() != v {
					t.Errorf("failOn %q maps to %s", v, failOn(rs))
				}
			default:
				t.Errorf("%s is enumerated: map its values to the type the run takes", s.Key)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no enumerated settings")
	}
}

// TestBundleListsEverySettingWithItsLayer: the bundle's settings list has
// every table entry in order, then the per-check deadlines.
func TestBundleListsEverySettingWithItsLayer(t *testing.T) {
	fs := pflag.NewFlagSet("bundle", pflag.ContinueOnError)
	config.AddSettingFlags(fs)
	config.AddInputSettingFlags(fs)
	if err := fs.Parse([]string{"--only", "config.*", "--check-timeout", "5s", "--max-input-size", "20MiB"}); err != nil {
		t.Fatal(err)
	}
	pf := config.Preflight{
		SettingValues: config.SettingValues{Concurrency: 7, ReadOnly: true},
		Pos:           map[string]config.Source{"concurrency": {}, "readOnly": {}},
		CheckTimeouts: map[string]time.Duration{"postgres.latency": 5 * time.Second},
	}
	s := newTestStreams(map[string]string{"SPACECTL_PREFLIGHT_CONCURRENCY": "5", "SPACECTL_PREFLIGHT_TIMEOUT": "90s"}).Streams
	rs, err := resolveSettings(s, fs, pf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"concurrency":     {"5", "environment $SPACECTL_PREFLIGHT_CONCURRENCY"},
		"timeout":         {"1m30s", "environment $SPACECTL_PREFLIGHT_TIMEOUT"},
		"checkTimeout":    {"5s", "flag --check-timeout"},
		"readOnly":        {"true", "yaml preflight.readOnly"},
		"probeAllBuckets": {"false", "default"},
		"target":          {"server", "default"},
		"stage":           {"pre-install", "default"},
		"failOn":          {"fail", "default"},
		"only":            {"config.*", "flag --only"},
		"skip":            {"", "default"},
		"maxInputSize":    {"20MiB", "flag --max-input-size"},
	}
	got := settingSources(rs)
	table := config.Settings()
	if len(got) != len(table)+1 {
		t.Fatalf("%d settings listed, want %d and one deadline: %+v", len(got), len(table), got)
	}
	for i, st := range table {
		w, ok := want[st.Key]
		if !ok {
			t.Errorf("no expectation for %s", st.Key)
		}
		if g := got[i]; g.Name != st.Key || g.Value != w[0] || g.Source != w[1] {
			t.Errorf("%s: %+v, want %q from %q", st.Key, g, w[0], w[1])
		}
	}
	if g := got[len(table)]; g.Name != "checkTimeouts.postgres.latency" || g.Value != "5s" || g.Source != "yaml preflight.checks" {
		t.Errorf("deadline: %+v", g)
	}
}

// optionsProbe is a synthetic backend whose one check reports whether its
// plan may write in every bucket.
type optionsProbe struct{ readOnlyProbe }

func (optionsProbe) Register(p *checks.Plan, _ *config.Config, opts checks.Options) {
	p.Add(checks.Check{ID: "probe.mode", Title: "Reports the plan's options", Run: func(context.Context) checks.Result {
		return checks.Passf("probeAllBuckets=%t", opts.ProbeAllBuckets)
	}})
}

// TestProbeAllBucketsReachesTheChecks: the setting, from each layer, is
// what the backends see when they build their checks.
func TestProbeAllBucketsReachesTheChecks(t *testing.T) {
	cfg := writeProbeConfig(t)
	yes := t.TempDir() + "/yes.yaml"
	writeFile(t, yes, "probe:\n  label: x\npreflight:\n  probeAllBuckets: true\n")
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"-c", cfg}, "probeAllBuckets=false"},
		{nil, []string{"-c", cfg, "--probe-all-buckets"}, "probeAllBuckets=true"},
		{map[string]string{"SPACECTL_PREFLIGHT_PROBE_ALL_BUCKETS": "true"}, []string{"-c", cfg}, "probeAllBuckets=true"},
		{nil, []string{"-c", yes}, "probeAllBuckets=true"},
		{nil, []string{"-c", yes, "--probe-all-buckets=false"}, "probeAllBuckets=false"},
	} {
		args := append([]string{"check", "--only", "probe.*", "-o", "json"}, c.args...)
		code, out, errOut := runWith(t, []checks.Backend{optionsProbe{}}, c.env, args...)
		var r jsonOut
		if err := json.Unmarshal([]byte(out), &r); code != ExitOK || err != nil {
			t.Fatalf("%v: exit %d, %v\n%s", args, code, err, errOut)
		}
		got := ""
		for _, e := range r.Results {
			if e.ID == "probe.mode" {
				got = e.Message
			}
		}
		if got != c.want {
			t.Errorf("%v %v: the check saw %q, want %q", c.env, args, got, c.want)
		}
	}
}
