package encryption_test

import (
	"context"
	"crypto/rsa"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// 4096-bit keys take seconds to generate; make them once per test binary.
var (
	keysOnce         sync.Once
	key4096, key2048 *rsa.PrivateKey
)

func keys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		key4096 = kt.GenerateRSA(t, 4096)
		key2048 = kt.GenerateRSA(t, 2048)
	})
	if key4096 == nil || key2048 == nil {
		t.Fatal("key generation failed earlier")
	}
	return key4096, key2048
}

// newConfig builds a configuration as if every value came from the
// process environment.
func newConfig(t *testing.T, vars map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.FromMap(checks.MustCatalog(backends()), vars, config.Source{Kind: config.FromEnv})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func plan(t *testing.T, cfg *config.Config) *checks.Plan {
	t.Helper()
	p := checks.Build(backends(), cfg, checks.Options{})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t *testing.T, p *checks.Plan, id string) checks.Check {
	t.Helper()
	for _, c := range p.Checks() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("check %s not registered", id)
	return checks.Check{}
}

// runCheck calls one check directly, without the runner, so its raw
// Result is what a leak assertion sees (the runner would scrub it).
func runCheck(t *testing.T, p *checks.Plan, id string, timeout time.Duration) checks.Result {
	t.Helper()
	c := find(t, p, id)
	if c.Disabled != "" {
		t.Fatalf("%s is disabled: %s", id, c.Disabled)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Run(ctx)
}

// assertNoSecret fails if any encoding of any secret appears anywhere in
// the result.
func assertNoSecret(t *testing.T, res checks.Result, secrets ...string) {
	t.Helper()
	texts := []string{res.Message, res.Advice}
	for _, d := range res.Details {
		texts = append(texts, d.Key, d.Value)
	}
	for _, st := range res.Steps {
		texts = append(texts, st.Name, st.Message, st.Advice)
		for _, d := range st.Evidence {
			texts = append(texts, d.Key, d.Value)
		}
	}
	all := strings.Join(texts, "\n")
	for _, s := range secrets {
		for _, v := range secret.Variants(s) {
			if len(v) >= 8 && strings.Contains(all, v) {
				t.Fatalf("result contains secret material (%d-character variant)", len(v))
			}
		}
	}
}

func wantStatus(t *testing.T, res checks.Result, want checks.Status, substrings ...string) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status %s, want %s: %s\nadvice: %s\ndetails: %v\nsteps: %+v", res.Status, want, res.Message, res.Advice, res.Details, res.Steps)
	}
	for _, s := range substrings {
		if !strings.Contains(res.Message+"\n"+res.Advice, s) {
			t.Errorf("result does not mention %q:\nmessage: %s\nadvice: %s", s, res.Message, res.Advice)
		}
	}
}

func detail(t *testing.T, res checks.Result, key string) string {
	t.Helper()
	v, ok := res.Details.Get(key)
	if !ok {
		t.Fatalf("no detail %q in %v", key, res.Details)
	}
	return v
}

// backends are what the encryption tests run: encryption, jwt.keypair
// (which signs with encryption's keys) and the AWS settings.
func backends() []checks.Backend {
	return []checks.Backend{encryption.Backend{}, jwt.Backend{}, awsenv.Backend{}}
}

// evidence is the value of key in the evidence of the result's first step
// that has it: a merged SDK failure keeps its facts with its step.
func evidence(t *testing.T, res checks.Result, key string) string {
	t.Helper()
	for _, st := range res.Steps {
		if v, ok := st.Evidence.Get(key); ok {
			return v
		}
	}
	t.Fatalf("no step has evidence %q: %+v", key, res.Steps)
	return ""
}
