package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/serve"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a running `serve` command.
type served struct {
	base   string
	stderr *syncBuffer
	stop   func() int
}

// startServe runs `serve ARGS` until the test stops it (or ends). hook
// adjusts the server's options; the listening address comes from Ready, so
// `--listen 127.0.0.1:0` works.
func startServe(t *testing.T, env map[string]string, backends []checks.Backend, hook func(*serve.Options), args ...string) served {
	t.Helper()
	ts := newTestStreams(env)
	stderr := &syncBuffer{}
	ts.Err = stderr
	ts.Backends = backends
	addr := make(chan string, 1)
	cmd := newCmdServe(ts.Streams, BuildInfo{Version: "test"}, func(ctx context.Context, o *ServeOptions) error {
		o.hook = func(so *serve.Options) {
			so.Ready = func(a net.Addr) { addr <- a.String() }
			if hook != nil {
				hook(so)
			}
		}
		return runServe(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(ts.out)
	cmd.SetErr(stderr)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	s := served{stderr: stderr}
	select {
	case a := <-addr:
		s.base = "http://" + a
	case err := <-done:
		cancel(nil)
		t.Fatalf("serve exited at once: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		cancel(nil)
		t.Fatalf("serve did not listen within 30s\n%s", stderr)
	}
	var once sync.Once
	code := -1
	s.stop = func() int {
		once.Do(func() {
			// What main does on SIGTERM or Ctrl-C.
			cancel(checks.ErrInterrupted)
			select {
			case err := <-done:
				code = exitCode(err)
			case <-time.After(60 * time.Second):
				t.Errorf("serve did not stop within 60s of SIGTERM\n%s", stderr)
			}
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// waitReady waits for the first run to finish (/readyz answers 200).
func (s served) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if code, _ := fetch(t, http.MethodGet, s.base+"/readyz", nil); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run finished within %s\n%s", within, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fetch does one request and returns the status and the body.
func fetch(t *testing.T, method, url string, header http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// readOnlyProbe is a synthetic backend whose one check reports whether its
// plan was built read-only, and counts how often it ran.
type readOnlyProbe struct{ runs *int32s }

type int32s struct {
	mu sync.Mutex
	n  int
}

func (readOnlyProbe) Group() checks.Group { return checks.Group{ID: "probe", Title: "Probe"} }

// Vars declares one variable, so a config that sets it is not empty (an
// input that sets no variable is refused).
func (readOnlyProbe) Vars() []config.Var {
	return []config.Var{config.Tool("SPACECTL_PREFLIGHT_PROBE_LABEL", "probe.label", "A label.")}
}
func (readOnlyProbe) Required(*config.Config) []checks.Requirement  { return nil }
func (readOnlyProbe) Review(*config.Config, *checks.Review)         {}
func (readOnlyProbe) Endpoints(*config.Config, *checks.EndpointSet) {}
func (b readOnlyProbe) Register(p *checks.Plan, _ *config.Config, opts checks.Options) {
	p.Add(checks.Check{ID: "probe.mode", Title: "Reports the plan's mode", Run: func(context.Context) checks.Result {
		b.runs.mu.Lock()
		b.runs.n++
		b.runs.mu.Unlock()
		if opts.ReadOnly {
			return checks.Passf("read-only")
		}
		return checks.Passf("may write")
	}})
}

func probeMessage(t *testing.T, s served) string {
	t.Helper()
	code, body := fetch(t, http.MethodGet, s.base+"/results.json", nil)
	var r jsonOut
	if err := json.Unmarshal([]byte(body), &r); code != http.StatusOK || err != nil {
		t.Fatalf("results.json: %d %v\n%s", code, err, body)
	}
	for _, e := range r.Results {
		if e.ID == "probe.mode" {
			return e.Message
		}
	}
	t.Fatalf("no probe.mode in %s", body)
	return ""
}

// TestServeIsReadOnlyUnlessWriteProbes: every run's plan is read-only by
// default, whatever the configuration says; --write-probes lets checks
// write, and contradicting it with --read-only is a usage error.
func TestServeIsReadOnlyUnlessWriteProbes(t *testing.T) {
	dir := t.TempDir()
	yaml := dir + "/c.yaml"
	writeFile(t, yaml, "probe:\n  label: x\npreflight:\n  readOnly: false\n")
	backends := func() []checks.Backend { return []checks.Backend{readOnlyProbe{runs: &int32s{}}} }
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "read-only"},
		{[]string{"--write-probes"}, "may write"},
	} {
		args := append([]string{"--listen", "127.0.0.1:0", "-c", yaml, "--interval", "1m"}, c.args...)
		s := startServe(t, nil, backends(), nil, args...)
		s.waitReady(t, 30*time.Second)
		if got := probeMessage(t, s); got != c.want {
			t.Errorf("serve %v: the check saw %q, want %q", c.args, got, c.want)
		}
		if code := s.stop(); code != ExitOK {
			t.Errorf("serve %v stopped with exit %d, want 0\n%s", c.args, code, s.stderr)
		}
	}
	code, _, errOut := runWith(t, backends(), nil, "serve", "-c", yaml, "--read-only", "--write-probes")
	if code != ExitUsage || !strings.Contains(errOut, "contradict") {
		t.Errorf("--read-only --write-probes: exit %d\n%s", code, errOut)
	}
}

// TestServeRunsAgainOnlyOnSchedule: a new plan per run (the runs do not
// share closed clients), and no run from requests.
func TestServeRunsAgainOnlyOnSchedule(t *testing.T) {
	counter := &int32s{}
	fire := make(chan time.Time)
	s := startServe(t, nil, []checks.Backend{readOnlyProbe{runs: counter}}, func(o *serve.Options) {
		o.After = func(time.Duration) <-chan time.Time { return fire }
	}, "--listen", "127.0.0.1:0", "--interval", "30s", "-c", writeProbeConfig(t))
	s.waitReady(t, 30*time.Second)
	for range 5 {
		fetch(t, http.MethodGet, s.base+"/metrics", nil)
		fetch(t, http.MethodGet, s.base+"/", nil)
	}
	fire <- time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for {
		counter.mu.Lock()
		n := counter.n
		counter.mu.Unlock()
		if n == 2 {
			break
		}
		if n > 2 || time.Now().After(deadline) {
			t.Fatalf("%d runs, want 2 (the start and one timer)", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeProbeConfig(t *testing.T) string {
	t.Helper()
	p := t.TempDir() + "/c.yaml"
	writeFile(t, p, "probe:\n  label: x\n")
	return p
}

func writeMinimalConfig(t *testing.T) string {
	t.Helper()
	p := t.TempDir() + "/c.yaml"
	writeFile(t, p, "server:\n  domain: spacelift.example.com\n")
	return p
}

func TestServeUsageErrors(t *testing.T) {
	cfg := writeMinimalConfig(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--interval", "10s"}, "at least 30s"},
		{[]string{"--listen", "9464"}, "want HOST:PORT"},
		{[]string{"--only", "nosuch.check"}, "matches no check"},
	} {
		code, out, errOut := run(t, nil, append([]string{"serve", "-c", cfg}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("serve %v: exit %d, stdout %q\n%s", c.args, code, out, errOut)
		}
	}
}

// TestServeEndpointsLeakNoSecret: with a secret in every secret field of
// the configuration and backends that make drivers echo what they were
// given, no endpoint's body (nor the log) holds any secret, in any
// encoding, nor a fragment of one (any 12 characters in a row: shorter
// windows match ordinary words, e.g. "-signing-" in a check ID).
func TestServeEndpointsLeakNoSecret(t *testing.T) {
	ls := newLeakySetup(t)
	args := append([]string{"--listen", "127.0.0.1:0", "--interval", "1m", "--check-timeout", "5s", "-v"}, ls.args...)
	s := startServe(t, ls.env, nil, func(o *serve.Options) { o.ManualGap = time.Nanosecond }, args...)
	s.waitReady(t, 90*time.Second)
	bodies := map[string]string{}
	for _, e := range []struct {
		method, path string
		accept       string
	}{
		{http.MethodGet, "/metrics", ""},
		{http.MethodGet, "/metrics", "application/openmetrics-text;version=1.0.0"},
		{http.MethodGet, "/", ""},
		{http.MethodGet, "/results.json", ""},
		{http.MethodGet, "/readyz", ""},
		{http.MethodGet, "/healthz", ""},
		{http.MethodPost, "/run", ""},
	} {
		h := http.Header{}
		if e.accept != "" {
			h.Set("Accept", e.accept)
		}
		code, body := fetch(t, e.method, s.base+e.path, h)
		if code != http.StatusOK {
			t.Errorf("%s %s: %d\n%s", e.method, e.path, code, body)
		}
		bodies[e.method+" "+e.path+" "+e.accept] = body
	}
	s.stop()
	bodies["stderr (log)"] = s.stderr.String()
	if !strings.Contains(bodies["GET /results.json "], "postgres.connect") || !strings.Contains(bodies["GET / "], "storage.bucket.states") {
		t.Fatalf("the run did not cover the configured backends:\n%s", bodies["GET /results.json "])
	}
	for where, body := range bodies {
		ls.assertNoSecret(t, where, body)
		for name, v := range ls.secrets {
			if strings.HasPrefix(v, "-----BEGIN") {
				continue // the PEM's lines are covered by assertNoSecret
			}
			for _, f := range fragments(v, 12) {
				if strings.Contains(body, f) {
					t.Errorf("%s contains %q, a fragment of the %s", where, f, name)
				}
			}
		}
	}
}

// fragments are the n-character windows of v.
func fragments(v string, n int) []string {
	var out []string
	for i := 0; i+n <= len(v); i++ {
		out = append(out, v[i:i+n])
	}
	return out
}

// minioEnvFile writes a Spacelift env file with MinIO at endpoint (plain
// HTTP), DATABASE_URL when dbURL is set, and extra lines; it returns its path.
func minioEnvFile(t *testing.T, dbURL, endpoint, accessKey, secretKey string, extra ...string) string {
	t.Helper()
	lines := []string{"OBJECT_STORAGE_TYPE=minio", "OBJECT_STORAGE_MINIO_ENDPOINT=" + endpoint,
		"OBJECT_STORAGE_MINIO_ACCESS_KEY_ID=" + accessKey, "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=" + secretKey,
		"OBJECT_STORAGE_MINIO_USE_SSL=false"}
	if dbURL != "" {
		lines = append(lines, "DATABASE_URL="+dbURL)
	}
	path := filepath.Join(t.TempDir(), "spacelift.env")
	writeFile(t, path, strings.Join(append(lines, extra...), "\n")+"\n")
	return path
}
