// Package msgtest holds test helpers shared by the messaging checks' tests:
// building a configuration, running registered checks through the real
// runner, and asserting that no secret reaches a Result.
package msgtest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Config builds a configuration from name=value pairs, as if they came from
// the process environment, accepting the variables of the given backends.
// Unknown names fail the test.
func Config(t testing.TB, vars map[string]string, backends ...checks.Backend) *config.Config {
	t.Helper()
	cat, err := checks.Catalog(backends)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromMap(cat, vars, config.Source{Kind: config.FromEnv})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// IsolateAWS keeps the SDK's default chain from reading the developer's
// own AWS files, profile or instance metadata. Tests then configure
// credentials and endpoints explicitly.
func IsolateAWS(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, n := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_IOT",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(n, "")
	}
}

// Run executes the plan's checks through the real runner and returns the
// outcomes by ID. It deliberately does not scrub secrets, as the CLI does:
// NoSecret then proves a check never puts one in its result at all.
func Run(t testing.TB, p *checks.Plan, timeout time.Duration, only ...string) map[string]checks.Outcome {
	t.Helper()
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx := t.Context()
	outs := checks.Run(ctx, p.Checks(), checks.RunOptions{CheckTimeout: timeout, Only: only, CleanupGrace: 10 * time.Second})
	p.Close(ctx)
	m := make(map[string]checks.Outcome, len(outs))
	for _, o := range outs {
		m[o.Check.ID] = o
	}
	return m
}

// Text is every human-readable string of a result, for assertions.
func Text(r checks.Result) string {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString("\n")
	b.WriteString(r.Advice)
	for _, d := range r.Details {
		b.WriteString("\n" + d.Key + ": " + d.Value)
	}
	for _, st := range r.Steps {
		b.WriteString("\n" + st.Status.String() + " " + st.Title() + "\n" + st.Advice)
		for _, d := range st.Evidence {
			b.WriteString("\n" + d.Key + ": " + d.Value)
		}
	}
	return b.String()
}

// NoSecret fails the test if any secret value appears in the result.
func NoSecret(t testing.TB, id string, r checks.Result, secrets ...string) {
	t.Helper()
	text := Text(r)
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s: a secret appears in the result:\n%s", id, text)
		}
	}
}

// Expect asserts a status and that the result text contains each want.
func Expect(t testing.TB, id string, o checks.Outcome, status checks.Status, wants ...string) {
	t.Helper()
	if o.Check.ID == "" {
		t.Fatalf("%s: not in the run", id)
	}
	text := Text(o.Result)
	if o.Result.Status != status {
		t.Errorf("%s: status %s, want %s\n%s", id, o.Result.Status, status, text)
		return
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: result lacks %q\n%s", id, w, text)
		}
	}
}
