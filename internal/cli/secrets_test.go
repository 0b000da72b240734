package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/leaktest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// evilSequence retitles a terminal window and clears the screen.
const evilSequence = "\x1b]0;PWNED\a\x1b[2J"

// echo is a synthetic backend standing in for a careless driver and a
// hostile server: its check quotes part of a configured password, as a
// parser does when it chokes on it, and passes on a terminal escape
// sequence from the server's answer in every text of its result.
type echo struct{}

const (
	echoPasswordVar = "ECHO_PASSWORD"
	echoPassword    = "Ech0#pW-Zq43x"
)

func (echo) Group() checks.Group { return checks.Group{ID: "echo", Title: "Echo"} }
func (echo) Vars() []config.Var {
	return []config.Var{config.Spacelift(echoPasswordVar, "echo.password", "Echo password.").Sensitive()}
}
func (echo) Required(*config.Config) []checks.Requirement  { return nil }
func (echo) Review(*config.Config, *checks.Review)         {}
func (echo) Endpoints(*config.Config, *checks.EndpointSet) {}
func (echo) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	p.Add(checks.Check{ID: "echo.ping", Title: "Echo answers",
		Run: func(context.Context) checks.Result {
			pw := cfg.Secret(echoPasswordVar).Reveal()
			var v checks.Verdict
			v.Add(checks.Step{Name: "reply " + evilSequence, Status: checks.Fail, Message: "server said " + evilSequence,
				Advice: "retry " + evilSequence, Evidence: checks.Details{{Key: "raw " + evilSequence, Value: "token " + pw[2:10]}}})
			res := v.Result("ok")
			res.Message = "invalid token: \"" + pw[2:10] + "\"; server said " + evilSequence
			res.Advice = "fix " + evilSequence
			return res.With(checks.KV("answer "+evilSequence, "part "+pw[:4]+" "+evilSequence))
		}})
}

// pastedSetup pastes passwords without URL-encoding into every URL that
// takes credentials, against closed local ports, next to the echo
// backend.
type pastedSetup struct {
	dir       string
	args      []string
	passwords map[string]string
}

func newPastedSetup(t *testing.T) pastedSetup {
	t.Helper()
	dir := t.TempDir()
	_, closed, _ := net.SplitHostPort(testsvc.ClosedAddr(t))
	s := pastedSetup{dir: dir, passwords: map[string]string{
		"database password":         "SecrP@ss:w/rd%Kx9-Zq41",
		"read-only password":        "Xy7@Ta1l-Zq42",
		"MinIO endpoint password":   "Qw7%zzSe:cr/Un1q9",
		"OTLP endpoint password":    "Ot3l%zzPw/k9Q",
		"echo (driver) password":    echoPassword,
		"MinIO secret access key":   "Mk9/zz+Qw-Zq44",
		"admin password (env file)": "Adm1n:pw@Zq45",
	}}
	env := strings.Join([]string{
		"SERVER_DOMAIN=localhost",
		// As pasted: pgx cannot parse it, and quoted the rest of the password.
		"DATABASE_URL=postgres://spacelift:" + s.passwords["database password"] + "@127.0.0.1:" + closed + "/spacelift",
		// As pasted: pgx parses it, with half the password as the host.
		"DATABASE_READ_ONLY_URL=postgres://spacelift:" + s.passwords["read-only password"] + "@127.0.0.1:" + closed + "/spacelift",
		"OBJECT_STORAGE_TYPE=minio",
		"OBJECT_STORAGE_MINIO_ENDPOINT=spacelift:" + s.passwords["MinIO endpoint password"] + "@127.0.0.1:" + closed,
		"OBJECT_STORAGE_MINIO_ACCESS_KEY_ID=spacelift",
		"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=" + s.passwords["MinIO secret access key"],
		"OBSERVABILITY_VENDOR=OpenTelemetry",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://otel:" + s.passwords["OTLP endpoint password"] + "@127.0.0.1:" + closed,
		"ADMIN_USERNAME=admin",
		"ADMIN_PASSWORD=" + s.passwords["admin password (env file)"],
		"ECHO_PASSWORD=" + echoPassword,
	}, "\n") + "\n"
	writeFile(t, filepath.Join(dir, "spacelift.env"), env)
	s.args = []string{"--env-file", filepath.Join(dir, "spacelift.env")}
	return s
}

// assertClean fails when text holds a password (in any encoding), a
// fragment of one, or a raw control character.
func (s pastedSetup) assertClean(t *testing.T, where, text string) {
	t.Helper()
	leakySetup{secrets: s.passwords}.assertNoSecret(t, where, text)
	for name, pw := range s.passwords {
		if f := leaktest.Found(text, pw); f != "" {
			t.Errorf("%s contains %q, a fragment of the %s", where, f, name)
		}
	}
	if strings.ContainsAny(text, "\x1b\a") {
		t.Errorf("%s contains raw control characters", where)
	}
}

// TestPastedPasswordsLeakNowhere: every output format, the -v logs on
// stderr and every file of a support bundle are searched for each
// password, its encodings and its fragments; the server's escape sequence
// comes out escaped in every format.
func TestPastedPasswordsLeakNowhere(t *testing.T) {
	s := newPastedSetup(t)
	extra := []checks.Backend{echo{}}
	paths := map[string]string{}
	args := append([]string{"check", "-v", "-o", "table"}, s.args...)
	for _, f := range []string{"json", "junit", "markdown"} {
		paths[f] = filepath.Join(s.dir, "out."+f)
		args = append(args, "-o", f+"="+paths[f])
	}
	code, stdout, stderr := runWith(t, extra, nil, args...)
	if code != ExitChecksFailed {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	outputs := map[string]string{"table on stdout": stdout, "-v logs on stderr": stderr}
	for f, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		outputs[f] = string(data)
	}
	for where, text := range outputs {
		s.assertClean(t, where, text)
	}
	// What went wrong is still said, by position, in every format.
	for _, where := range []string{"table on stdout", "json", "junit", "markdown"} {
		for _, want := range []string{"`@` at character 6", "OBJECT_STORAGE_MINIO_ENDPOINT", "`@` at character 4"} {
			if !strings.Contains(outputs[where], want) {
				t.Errorf("%s lacks %q", where, want)
			}
		}
	}
	escaped := `\x1b]0;PWNED\x07\x1b[2J`
	for _, where := range []string{"table on stdout", "junit", "markdown"} {
		if !strings.Contains(outputs[where], escaped) {
			t.Errorf("%s lacks the escaped sequence %s", where, escaped)
		}
	}
	if !strings.Contains(outputs["json"], strings.ReplaceAll(escaped, `\`, `\\`)) {
		t.Errorf("json lacks the escaped sequence")
	}

	out := filepath.Join(s.dir, "support.tar.gz")
	code, stdout, stderr = runWith(t, extra, nil, append([]string{"bundle", "-v", "-o", out}, s.args...)...)
	if code == ExitInternal || code == ExitUsage {
		t.Fatalf("bundle: exit %d\n%s", code, stderr)
	}
	s.assertClean(t, "bundle stdout", stdout)
	s.assertClean(t, "bundle -v logs", stderr)
	names, files := readBundle(t, out)
	for _, n := range names {
		s.assertClean(t, n, string(files[n]))
	}
	if !strings.Contains(string(files["manifest.json"]), `"fragmentsSearched"`) {
		t.Error("the manifest does not count the fragments searched")
	}
}

// TestDiagnosticsEscapeInputThroughTheCLI: a YAML key and a file name with
// a terminal escape sequence reach stderr escaped.
func TestDiagnosticsEscapeInputThroughTheCLI(t *testing.T) {
	p := filepath.Join(t.TempDir(), "evil"+evilSequence+".yaml")
	writeFile(t, p, "server:\n  \"dom\\e]0;PWNED\\a\\e[2J\": x\n")
	code, stdout, stderr := run(t, nil, "config", "validate", "-c", p)
	if code != ExitUsage {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.ContainsAny(stdout+stderr, "\x1b\a") {
		t.Errorf("raw control characters:\n%q", stdout+stderr)
	}
	if !strings.Contains(stderr, `evil\x1b]0;PWNED\x07\x1b[2J.yaml:2:3: server.dom\x1b]0;PWNED\x07\x1b[2J: unknown key`) {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// TestConfigInitWritesCredentialURLsAsReferences: a password pasted into
// an endpoint that is not a secret variable is written to the starter
// config as a ${VAR} reference, like a secret, not in clear.
func TestConfigInitWritesCredentialURLsAsReferences(t *testing.T) {
	const pw = "Ot3l%zzPw/k9Q"
	env := map[string]string{"OBSERVABILITY_VENDOR": "OpenTelemetry", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:" + pw + "@collector:4317"}
	code, stdout, stderr := run(t, env, "config", "init", "--from-env")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if f := leaktest.Found(stdout+stderr, pw); f != "" {
		t.Fatalf("%q of the password is in the starter config", f)
	}
	if !strings.Contains(stdout, "${OTEL_EXPORTER_OTLP_ENDPOINT}") {
		t.Errorf("no reference in:\n%s", stdout)
	}
}

// TestValidateEscapesFileNames: `config validate` names the files it read;
// a file name with a terminal escape sequence is printed escaped.
func TestValidateEscapesFileNames(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ok"+evilSequence+".env")
	writeFile(t, p, "SERVER_DOMAIN=spacelift.example.com\n")
	code, stdout, stderr := run(t, nil, "config", "validate", "--env-file", p)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\a") || !strings.Contains(stdout, `ok\x1b]0;PWNED\x07\x1b[2J.env`) {
		t.Errorf("stdout: %q", stdout)
	}
}

// TestDryRunEscapesEndpoints: `bundle --dry-run` lists the endpoints it
// would contact, read from the configuration; a host with a terminal
// escape sequence is printed escaped.
func TestDryRunEscapesEndpoints(t *testing.T) {
	env := map[string]string{"SERVER_DOMAIN": "spacelift" + evilSequence + ".example.com"}
	code, stdout, stderr := run(t, env, "bundle", "--from-env", "--dry-run", "-o", filepath.Join(t.TempDir(), "b.tar.gz"))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\a") || !strings.Contains(stdout, `spacelift\x1b]0;PWNED\x07\x1b[2J.example.com`) {
		t.Errorf("stdout: %q", stdout)
	}
}
