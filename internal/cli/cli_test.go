package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testStreams struct {
	*Streams
	out, err *bytes.Buffer
}

func newTestStreams(env map[string]string) testStreams {
	var out, errb bytes.Buffer
	if env == nil {
		env = map[string]string{}
	}
	s := &Streams{In: strings.NewReader(""), Out: &out, Err: &errb, Env: env, Now: time.Now}
	return testStreams{Streams: s, out: &out, err: &errb}
}

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ts := newTestStreams(env)
	code := Main(context.Background(), ts.Streams, BuildInfo{Version: "test"}, args)
	return code, ts.out.String(), ts.err.String()
}

func example(name string) string { return filepath.Join("..", "..", "testdata", "examples", name) }

type jsonOut struct {
	SchemaVersion int `json:"schemaVersion"`
	Summary       struct {
		Status string `json:"status"`
	} `json:"summary"`
	Results []struct {
		ID      string            `json:"id"`
		Status  string            `json:"status"`
		Message string            `json:"message"`
		Details map[string]string `json:"details"`
	} `json:"results"`
}

func statusOf(t *testing.T, stdout, id string) string {
	t.Helper()
	var r jsonOut
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	for _, e := range r.Results {
		if e.ID == id {
			return e.Status
		}
	}
	t.Fatalf("no result for %s", id)
	return ""
}

func TestIoTCoreWithPostgresQueueFails(t *testing.T) {
	code, out, _ := run(t, nil, "check", "--env-file", example("iotcore-postgres.env"), "--only", "config.*", "-o", "json")
	if code != ExitChecksFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := statusOf(t, out, "config.compat"); got != "fail" {
		t.Fatalf("config.compat = %s", got)
	}
}

func TestValidEnvFilePassesEveryConfigCheck(t *testing.T) {
	code, out, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "json")
	for _, id := range []string{"config.required", "config.values", "config.compat"} {
		if got := statusOf(t, out, id); got != "pass" {
			t.Errorf("%s = %s\n%s", id, got, out)
		}
	}
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

func TestInvalidYAMLExits2NamingBoth(t *testing.T) {
	code, out, errOut := run(t, nil, "check", "-c", example("invalid.yaml"))
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if out != "" {
		t.Errorf("stdout must stay empty, got %q", out)
	}
	for _, want := range []string{"invalid.yaml:3:3: server.domian: unknown key", `did you mean "domain"`, "invalid.yaml:6:13: objectStorage.minio.useSsl: expected a boolean, got a list", "no check was run"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestSeveralOutputsInOneRun(t *testing.T) {
	dir := t.TempDir()
	junit, js, md := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	code, out, _ := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*",
		"-o", "table", "-o", "junit="+junit, "-o", "json="+js, "-o", "markdown="+md)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "config.required") || strings.Contains(out, "\x1b[") {
		t.Errorf("stdout should be a plain table:\n%s", out)
	}
	var suites struct {
		Tests int `xml:"tests,attr"`
	}
	data, _ := os.ReadFile(junit)
	if err := xml.Unmarshal(data, &suites); err != nil || suites.Tests == 0 {
		t.Errorf("junit: %v %d", err, suites.Tests)
	}
	data, _ = os.ReadFile(js)
	if got := statusOf(t, string(data), "config.values"); got != "pass" {
		t.Errorf("json file: %s", got)
	}
	data, _ = os.ReadFile(md)
	if !strings.Contains(string(data), "| ✅ pass | `config.required` |") {
		t.Errorf("markdown:\n%s", data)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"check", "-o", "yaml"}, `unknown output format "yaml"`},
		{[]string{"check", "-o", "json", "-o", "table"}, "only one -o may write to stdout"},
		{[]string{"check", "--env-file", example("valid.env"), "--only", "postgres.vesion"}, `"postgres.vesion" matches no check`},
		{[]string{"check", "--env-file", example("valid.env"), "--fail-on", "sometimes"}, "--fail-on"},
		{[]string{"check", "--env-file", example("valid.env"), "--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"bundle", "--env-file", example("valid.env"), "--stage", "later", "--dry-run"}, `--stage "later": want pre-install or post-install`},
		{[]string{"check"}, "no configuration given: pass --env-file FILE"},
		{[]string{"config", "validate"}, "no configuration given"},
		{[]string{"check", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"explain", "config.requird"}, `did you mean "config.required"`},
	}
	for _, c := range cases {
		code, out, errOut := run(t, nil, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and %q", c.args, code, errOut, out, c.want)
		}
	}
}

func TestSettingsFromEnvironmentAndBadValue(t *testing.T) {
	code, _, errOut := run(t, map[string]string{"SPACECTL_PREFLIGHT_TIMEOUT": "forever"}, "check", "--env-file", example("valid.env"))
	if code != ExitUsage || !strings.Contains(errOut, "$SPACECTL_PREFLIGHT_TIMEOUT") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := run(t, map[string]string{"SPACECTL_PREFLIGHT_ONLY": "config.compat"}, "check", "--env-file", example("valid.env"), "-o", "json")
	if code != ExitOK || statusOf(t, out, "config.required") != "skip" || statusOf(t, out, "config.compat") != "pass" {
		t.Fatalf("SPACECTL_PREFLIGHT_ONLY ignored: exit %d\n%s", code, out)
	}
}

func TestFailOnWarn(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "w.env")
	data, _ := os.ReadFile(example("valid.env"))
	// An implied type variable is a warning.
	body := strings.Replace(string(data), "LICENSE_TYPE=jwt\n", "", 1)
	if err := os.WriteFile(env, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := run(t, nil, "check", "--env-file", env, "--only", "config.*", "-o", "json"); code != ExitOK {
		t.Fatalf("warnings alone must exit 0, got %d", code)
	}
	if code, _, _ := run(t, nil, "check", "--env-file", env, "--only", "config.*", "-o", "json", "--fail-on", "warn"); code != ExitChecksFailed {
		t.Fatalf("--fail-on warn must exit 1, got %d", code)
	}
}

func TestUnwritableOutputIsInternalError(t *testing.T) {
	code, _, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "json="+filepath.Join(t.TempDir(), "no", "such", "dir", "r.json"))
	if code != ExitInternal || !strings.Contains(errOut, "writing json report") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestSecretsAppearInNoOutput(t *testing.T) {
	const pw = "Zq9-unique-db-password"
	dir := t.TempDir()
	env := filepath.Join(dir, "s.env")
	body := "SERVER_DOMAIN=https://bad.example.com\nDATABASE_URL=postgres://app:" + pw + "@db:5432/x?sslmode=require\n" +
		"OBJECT_STORAGE_TYPE=minio\nOBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=minio-" + pw + "\nLICENSE_TYPE=jwt\nLICENSE_TOKEN=not-a-jwt-" + pw + "\n" +
		"DATABASE_READ_ONLY_URL=postgres://app:" + pw + "@db:notaport/x\n"
	if err := os.WriteFile(env, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	args := []string{"check", "--env-file", env, "-v", "-o", "table"}
	for _, f := range []string{"json", "junit", "markdown"} {
		files[f] = filepath.Join(dir, "out."+f)
		args = append(args, "-o", f+"="+files[f])
	}
	_, out, errOut := run(t, nil, args...)
	all := out + errOut
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all += string(data)
	}
	if !strings.Contains(errOut, `"level":"DEBUG"`) {
		t.Error("expected -v debug logs on stderr")
	}
	if !strings.Contains(all, "DATABASE_READ_ONLY_URL") {
		t.Error("the broken read-only URL should have been reported")
	}
	if strings.Contains(all, pw) {
		t.Fatalf("a secret leaked into the output")
	}
}

func TestChecksListAndExplainAndValidate(t *testing.T) {
	code, out, _ := run(t, nil, "checks", "-o", "json", "--env-file", example("valid.env"))
	var infos []checkInfo
	if code != ExitOK || json.Unmarshal([]byte(out), &infos) != nil || len(infos) == 0 || infos[0].ID != "config.required" {
		t.Fatalf("checks -o json: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, nil, "explain", "config.compat")
	if code != ExitOK || !strings.Contains(out, "# config.compat") {
		t.Fatalf("explain: %d %s", code, out)
	}
	if code, out, _ = run(t, nil, "config", "validate", "--env-file", example("valid.env")); code != ExitOK || !strings.Contains(out, "configuration is valid") {
		t.Fatalf("validate: %d %s", code, out)
	}
	if code, _, _ = run(t, nil, "config", "validate", "-c", example("invalid.yaml")); code != ExitUsage {
		t.Fatalf("validate invalid: %d", code)
	}
	code, out, _ = run(t, nil, "version", "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"version": "test"`) {
		t.Fatalf("version: %s", out)
	}
}

func TestInterruptedRunExits130(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errInterruptedForTest())
	ts := newTestStreams(nil)
	code := Main(ctx, ts.Streams, BuildInfo{Version: "test"}, []string{"check", "--env-file", example("valid.env"), "-o", "json"})
	if code != ExitInterrupted {
		t.Fatalf("exit %d, stderr %s", code, ts.err.String())
	}
	var r struct {
		Interrupted bool `json:"interrupted"`
	}
	if err := json.Unmarshal(ts.out.Bytes(), &r); err != nil || !r.Interrupted {
		t.Fatalf("the partial report must still be printed and marked: %v\n%s", err, ts.out.String())
	}
}
