package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// redis is a synthetic backend, written only against the public contract
// (checks.Backend and config's variable declarations), as a new backend
// package would be. The contract test below proves that adding it to the
// list of backends is all it takes for it to show up everywhere a real
// backend does.
type redis struct{}

const (
	redisURL      = "REDIS_URL"
	redisPassword = "REDIS_PASSWORD"
	redisPass     = "s3cr3t-redis-pw-Zq9"
)

func (redis) Group() checks.Group { return checks.Group{ID: "redis", Title: "Redis cache"} }

func (redis) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(redisURL, "redis.url", "Redis endpoint, host:port."),
		config.Spacelift(redisPassword, "redis.password", "Redis password.").Sensitive(),
	}
}

func (redis) Required(*config.Config) []checks.Requirement {
	return []checks.Requirement{{Var: redisURL, Why: "the cache"}}
}

func (redis) Review(cfg *config.Config, r *checks.Review) {
	if v := cfg.Get(redisURL); v != "" && !strings.Contains(v, ":") {
		r.Values.Fail(redisURL, "write host:port", "%q has no port", v)
	}
}

func (redis) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	if v, ok := cfg.Display(redisURL); ok {
		if h, p, err := net.SplitHostPort(v); err == nil {
			e.Add(redisURL, h, p, checks.NoTLS)
		}
	}
}

func (redis) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	p.Add(checks.Check{ID: "redis.ping", Title: "Redis answers PING",
		Run: func(context.Context) checks.Result {
			// A careless backend echoes its password: the run must scrub it.
			return checks.Passf("PONG from %s (auth %s)", cfg.Get(redisURL), cfg.Secret(redisPassword).Reveal())
		}})
}

// runWith runs the CLI with the build's backends plus extra ones.
func runWith(t *testing.T, extra []checks.Backend, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ts := newTestStreams(env)
	ts.Backends = append(Backends(), extra...)
	code := Main(context.Background(), ts.Streams, BuildInfo{Version: "test"}, args)
	return code, ts.out.String(), ts.err.String()
}

func TestASyntheticBackendAppearsEverywhere(t *testing.T) {
	extra := []checks.Backend{redis{}}
	dir := t.TempDir()
	envFile := filepath.Join(dir, "spacelift.env")
	if err := os.WriteFile(envFile, []byte("REDIS_URL=cache.internal:6379\nREDIS_PASSWORD="+redisPass+"\nREDIS_URLL=typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noURL := filepath.Join(dir, "nourl.env")
	if err := os.WriteFile(noURL, []byte("REDIS_PASSWORD="+redisPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("checks listing", func(t *testing.T) {
		code, out, errOut := runWith(t, extra, nil, "checks", "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var list []checkInfo
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range list {
			found = found || (c.ID == "redis.ping" && c.Group == "redis")
		}
		if !found {
			t.Errorf("redis.ping is not listed: %s", out)
		}
	})

	t.Run("config validate knows its variables", func(t *testing.T) {
		code, out, errOut := runWith(t, extra, nil, "config", "validate", "--env-file", envFile)
		if code != ExitOK || !strings.Contains(out, "2 variables set") {
			t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
		}
		if !strings.Contains(errOut, "REDIS_URLL: unknown variable, ignored") || !strings.Contains(errOut, "did you mean REDIS_URL?") {
			t.Errorf("a typo of the backend's variable is not suggested: %s", errOut)
		}
	})

	t.Run("config.required and the group title", func(t *testing.T) {
		_, out, _ := runWith(t, extra, nil, "check", "--env-file", noURL, "--only", "config.required", "-o", "json")
		if !strings.Contains(out, `"name": "REDIS_URL"`) || !strings.Contains(out, "not set (the cache)") {
			t.Errorf("config.required does not report REDIS_URL: %s", out)
		}
		_, out, _ = runWith(t, extra, nil, "check", "--env-file", envFile, "--only", "redis.*", "-o", "table")
		if !strings.Contains(out, "Redis cache\n") {
			t.Errorf("the table lacks the group title: %s", out)
		}
	})

	t.Run("secrets are redacted from results", func(t *testing.T) {
		_, out, _ := runWith(t, extra, nil, "check", "--env-file", envFile, "--only", "redis.*", "-o", "json")
		if !strings.Contains(out, "PONG from cache.internal:6379") || strings.Contains(out, redisPass) {
			t.Errorf("the result leaks the secret or is missing: %s", out)
		}
	})

	t.Run("bundle endpoints", func(t *testing.T) {
		code, out, errOut := runWith(t, extra, nil, "bundle", "--dry-run", "--env-file", envFile, "-o", filepath.Join(dir, "b.tar.gz"))
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "cache.internal:6379") || !strings.Contains(out, "REDIS_URL") {
			t.Errorf("the bundle would not record the endpoint: %s", out)
		}
	})

	t.Run("JSON Schema", func(t *testing.T) {
		_, out, _ := runWith(t, extra, nil, "config", "schema")
		var schema struct {
			Properties map[string]struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"properties"`
		}
		if err := json.Unmarshal([]byte(out), &schema); err != nil {
			t.Fatal(err)
		}
		if d := schema.Properties["redis"].Properties["password"].Description; !strings.Contains(d, "REDIS_PASSWORD") || !strings.Contains(d, "Secret") {
			t.Errorf("redis.password in the schema: %q", d)
		}
	})

	t.Run("config init", func(t *testing.T) {
		_, out, _ := runWith(t, extra, nil, "config", "init", "--env-file", envFile)
		if !strings.Contains(out, "\nredis:\n  url: cache.internal:6379  # REDIS_URL") || !strings.Contains(out, "  password: ${REDIS_PASSWORD}") {
			t.Errorf("config init lacks the redis section:\n%s", out)
		}
		if strings.Contains(out, redisPass) {
			t.Error("config init wrote the secret")
		}
	})
}
