package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// testCfg builds a configuration from name=value pairs, as the loader
// would from the environment.
func testCfg(t *testing.T, kv map[string]string) *config.Config {
	t.Helper()
	cat := checks.MustCatalog([]checks.Backend{Backend{}, configcheck.Backend{}, awsenv.Backend{}})
	cfg, err := config.FromMap(cat, kv, config.Source{Kind: config.FromEnv})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// randName is a bucket name unique to this test run (S3, GCS and Azure
// rules: lowercase letters, digits, hyphens, 3-63 characters).
func randName(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "spt-" + prefix + "-" + hex.EncodeToString(b[:])
}

// bucketVars maps every bucket variable to its own bucket name.
func bucketVars(names map[string]string) map[string]string {
	kv := map[string]string{}
	for _, b := range Buckets() {
		kv[b.Var] = names[b.Purpose]
	}
	return kv
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// run executes the selected checks through the real runner, without a
// scrubber, so a leak in a check's own text would show.
func run(t *testing.T, cfg *config.Config, opts checks.Options, sm seams, only ...string) map[string]checks.Outcome {
	t.Helper()
	return runWith(t, cfg, opts, sm, checks.RunOptions{CheckTimeout: 30 * time.Second, Only: only})
}

func runWith(t *testing.T, cfg *config.Config, opts checks.Options, sm seams, ro checks.RunOptions) map[string]checks.Outcome {
	t.Helper()
	p := checks.Build([]checks.Backend{seamed{sm: sm}}, cfg, opts)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	outs := checks.Run(ctx, p.Checks(), ro)
	p.Close(ctx)
	m := map[string]checks.Outcome{}
	for _, o := range outs {
		m[o.Check.ID] = o
	}
	return m
}

// sparedByDefault states the write-probe rule independently of the code:
// a default run writes nothing in the states and modules buckets.
func sparedByDefault(purpose string) bool { return purpose == "states" || purpose == "modules" }

// expectBucketsPass asserts that every bucket check passed: after the
// whole write probe (each fragment in its message) where a default run
// writes one, and saying it wrote none in the states and modules buckets.
func expectBucketsPass(t *testing.T, outs map[string]checks.Outcome, fragments ...string) {
	t.Helper()
	for _, p := range purposes() {
		if sparedByDefault(p) {
			expect(t, outs, "storage.bucket."+p, checks.Pass, "exists and is reachable (no probe object written: it holds Terraform", "--probe-all-buckets writes one")
			continue
		}
		expect(t, outs, "storage.bucket."+p, checks.Pass, fragments...)
	}
}

func bucketIDs() []string {
	ids := make([]string, len(Buckets()))
	for i, b := range Buckets() {
		ids[i] = "storage.bucket." + b.Purpose
	}
	return ids
}

// expect asserts a check's status and that each fragment appears in its
// message or advice.
func expect(t *testing.T, outs map[string]checks.Outcome, id string, want checks.Status, fragments ...string) checks.Result {
	t.Helper()
	o, ok := outs[id]
	if !ok {
		t.Fatalf("%s: not in the run", id)
	}
	r := o.Result
	t.Logf("%s: %s: %s\n  advice: %s", id, r.Status, r.Message, r.Advice)
	if r.Status != want {
		t.Errorf("%s: status %s, want %s\nmessage: %s\nadvice: %s\ndetails: %v\nsteps: %+v", id, r.Status, want, r.Message, r.Advice, r.Details, r.Steps)
		return r
	}
	text := r.Message + "\n" + r.Advice
	for _, f := range fragments {
		if !strings.Contains(text, f) {
			t.Errorf("%s: %q not in\nmessage: %s\nadvice: %s", id, f, r.Message, r.Advice)
		}
	}
	return r
}

// stepNamed returns the result's step with that name.
func stepNamed(t *testing.T, r checks.Result, name string) checks.Step {
	t.Helper()
	for _, st := range r.Steps {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no step %q in %+v", name, r.Steps)
	return checks.Step{}
}

// expectNotChecked asserts that an aggregate check lists a missing bucket
// as not checked, naming the bucket's own check, and that the bucket does
// not make it fail: its status is want.
func expectNotChecked(t *testing.T, outs map[string]checks.Outcome, id string, want checks.Status, bucket, purpose string) checks.Result {
	t.Helper()
	r := expect(t, outs, id, want)
	st := stepNamed(t, r, bucket+" ("+purpose+")")
	if st.Status != checks.Skip || !strings.Contains(st.Message, "not checked: storage.bucket."+purpose+" reports it") {
		t.Errorf("%s: step %+v, want a skip naming storage.bucket.%s", id, st, purpose)
	}
	if want == checks.Pass && !strings.Contains(r.Message, " not checked: their own checks report them)") {
		t.Errorf("%s: message %q does not count the bucket not checked", id, r.Message)
	}
	return r
}

// noSecret asserts that no result text contains any of the values.
func noSecret(t *testing.T, outs map[string]checks.Outcome, values ...string) {
	t.Helper()
	for id, o := range outs {
		r := o.Result
		texts := []string{r.Message, r.Advice}
		for _, d := range r.Details {
			texts = append(texts, d.Key, d.Value)
		}
		for _, st := range r.Steps {
			texts = append(texts, st.Name, st.Message, st.Advice)
			for _, d := range st.Evidence {
				texts = append(texts, d.Key, d.Value)
			}
		}
		for _, txt := range texts {
			for _, v := range values {
				if v != "" && strings.Contains(txt, v) {
					t.Errorf("%s: secret leaked in %q", id, txt)
				}
			}
		}
	}
}

// deadlineTest runs one bucket check against a server that never answers
// and asserts it ends, as an error, within its timeout plus one second.
func deadlineTest(t *testing.T, cfg *config.Config) {
	t.Helper()
	const timeout = 2 * time.Second
	start := time.Now()
	outs := runWith(t, cfg, checks.Options{}, seams{}, checks.RunOptions{CheckTimeout: timeout, Only: []string{"storage.bucket.states"},
		Timeouts: map[string]time.Duration{"storage.bucket.states": timeout}})
	if d := time.Since(start); d > timeout+time.Second {
		t.Errorf("the run took %s, want at most %s", d, timeout+time.Second)
	}
	expect(t, outs, "storage.bucket.states", checks.Error)
}

// keysWithPrefix filters listed keys to the probe prefix.
func keysWithPrefix(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, probePrefix) {
			out = append(out, k)
		}
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// shortPurpose keeps bucket names short (Azure and S3 cap them at 63).
func shortPurpose(p string) string {
	p = strings.ReplaceAll(p, "user-uploaded-workspaces", "uuw")
	if len(p) > 8 {
		p = p[:8]
	}
	return strings.TrimRight(p, "-")
}

// seamed is the storage backend with test seams.
type seamed struct {
	Backend
	sm seams
}

func (b seamed) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, awsenv.Of(p, cfg), b.sm)
}
