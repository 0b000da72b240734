package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

type selectedResult struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"`
	Message        string   `json:"message"`
	BlockedBy      []string `json:"blockedBy"`
	PrerequisiteOf []string `json:"prerequisiteOf"`
}

func resultsByID(t *testing.T, stdout string) map[string]selectedResult {
	t.Helper()
	var r struct {
		Results []selectedResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	out := map[string]selectedResult{}
	for _, e := range r.Results {
		out[e.ID] = e
	}
	return out
}

// TestOnlyRunsThePrerequisiteAgainstRealPostgres: `--only
// postgres.version` used to skip the version check ("needs
// postgres.connect") and exit 0 having checked nothing. It now connects
// first, reports postgres.connect as a prerequisite of postgres.version in
// every format, and checks the version.
func TestOnlyRunsThePrerequisiteAgainstRealPostgres(t *testing.T) {
	dsn := testsvc.Require(t, "SPT_PG16_URL")[0]
	dir := t.TempDir()
	env := filepath.Join(dir, "pg.env")
	writeFile(t, env, "DATABASE_URL="+dsn+"\n")
	junit, md := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md")
	code, out, errOut := run(t, nil, "check", "--env-file", env, "--only", "postgres.version", "-o", "json",
		"-o", "junit="+junit, "-o", "markdown="+md)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, errOut, out)
	}
	res := resultsByID(t, out)
	if c := res["postgres.connect"]; c.Status != "pass" || !reflect.DeepEqual(c.PrerequisiteOf, []string{"postgres.version"}) {
		t.Errorf("postgres.connect: %+v, want it run as a prerequisite of postgres.version", c)
	}
	if v := res["postgres.version"]; v.Status != "pass" || v.PrerequisiteOf != nil {
		t.Errorf("postgres.version: %+v", v)
	}
	if p := res["postgres.privileges"]; p.Status != "skip" || p.Message != "not selected by --only" {
		t.Errorf("postgres.privileges must stay unselected: %+v", p)
	}
	const note = "included as a prerequisite of postgres.version"
	for name, text := range map[string]string{"junit": mustRead(t, junit), "markdown": mustRead(t, md)} {
		if !strings.Contains(text, note) {
			t.Errorf("%s does not say %q:\n%s", name, note, text)
		}
	}
	_, table, _ := run(t, nil, "check", "--env-file", env, "--only", "postgres.version")
	if !strings.Contains(table, note) {
		t.Errorf("the table does not say %q:\n%s", note, table)
	}
}

// TestSkippedPrerequisiteAgainstRealPostgres: --skip wins over --only; the
// dependants say the prerequisite was skipped on request, and a check that
// needs nothing skipped still runs.
func TestSkippedPrerequisiteAgainstRealPostgres(t *testing.T) {
	dsn := testsvc.Require(t, "SPT_PG16_URL")[0]
	env := filepath.Join(t.TempDir(), "pg.env")
	writeFile(t, env, "DATABASE_URL="+dsn+"\nDATABASE_READ_ONLY_URL="+dsn+"\n")
	code, out, errOut := run(t, nil, "check", "--env-file", env, "--skip", "postgres.connect", "--only", "postgres.*", "-o", "json")
	if code == ExitUsage || code == ExitInternal {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res := resultsByID(t, out)
	if c := res["postgres.connect"]; c.Status != "skip" || c.Message != "skipped by --skip postgres.connect" {
		t.Errorf("postgres.connect: %+v", c)
	}
	for _, id := range []string{"postgres.version", "postgres.privileges", "postgres.clock-skew"} {
		r := res[id]
		if r.Status != "skip" || !reflect.DeepEqual(r.BlockedBy, []string{"postgres.connect"}) ||
			r.Message != "not run: needs postgres.connect, which was skipped on request (--skip postgres.connect)" {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if r := res["postgres.read-only"]; r.Status == "skip" {
		t.Errorf("postgres.read-only needs nothing that was skipped, yet: %+v", r)
	}
}

// TestOnlyJWTKeypairRunsTheRSAKeyCheck: jwt.keypair signs with the key
// encryption.rsa-key decodes; --only jwt.keypair runs both.
func TestOnlyJWTKeypairRunsTheRSAKeyCheck(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	env := filepath.Join(t.TempDir(), "rsa.env")
	writeFile(t, env, "ENCRYPTION_TYPE=rsa\nENCRYPTION_RSA_PRIVATE_KEY="+base64.StdEncoding.EncodeToString(keyPEM)+"\n")
	code, out, errOut := run(t, nil, "check", "--env-file", env, "--only", "jwt.keypair", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	res := resultsByID(t, out)
	if r := res["encryption.rsa-key"]; r.Status == "skip" || !reflect.DeepEqual(r.PrerequisiteOf, []string{"jwt.keypair"}) {
		t.Errorf("encryption.rsa-key: %+v, want it run as a prerequisite of jwt.keypair", r)
	}
	if r := res["jwt.keypair"]; r.Status != "pass" {
		t.Errorf("jwt.keypair: %+v", r)
	}
}

// TestSelectionThatRunsNothingExits2: a gate that checks nothing used to
// exit 0 ("SKIP: 0 passed … 43 skipped"); it now stops before running,
// with exit 2, naming the selection that emptied the run.
func TestSelectionThatRunsNothingExits2(t *testing.T) {
	env := filepath.Join(t.TempDir(), "min.env")
	writeFile(t, env, "SERVER_DOMAIN=spacelift.example.com\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--only", "postgres.version"}, "nothing was checked: --only postgres.version: postgres.version is disabled: DATABASE_URL is not set"},
		{[]string{"--only", "postgres.*", "--skip", "postgres.read-only"}, "--only 'postgres.*': postgres.connect, postgres.version and 5 more are disabled: DATABASE_URL is not set; postgres.read-only is skipped by --skip postgres.read-only"},
		{[]string{"--skip", "*"}, "nothing was checked: --skip '*': every check the configuration enables is skipped"},
	}
	for _, c := range cases {
		for _, cmd := range []string{"check", "bundle"} {
			args := append([]string{cmd, "--env-file", env, "-o", filepath.Join(t.TempDir(), "out")}, c.args...)
			if cmd == "check" {
				args[4] = "json=" + args[4]
			}
			code, out, errOut := run(t, nil, args...)
			if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
				t.Errorf("%s %v: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", cmd, c.args, code, out, errOut, c.want)
			}
		}
	}
	// The same selection with a configuration that enables the check runs.
	if code, _, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.compat", "-o", "json"); code != ExitOK {
		t.Errorf("a selection that runs something: exit %d: %s", code, errOut)
	}
}

// TestTableOmitsGroupsWithNothingSelected: --only 'config.*' used to print
// every other group as rows of SKIP; the table and Markdown now show the
// configuration group and say how many checks were left out, while JSON
// keeps every check.
func TestTableOmitsGroupsWithNothingSelected(t *testing.T) {
	md := filepath.Join(t.TempDir(), "r.md")
	code, table, _ := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "table", "-o", "markdown="+md)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for name, text := range map[string]string{"table": table, "markdown": mustRead(t, md)} {
		if !strings.Contains(text, "config.required") || strings.Contains(text, "postgres.") || strings.Contains(text, "storage.") {
			t.Errorf("%s should show only the configuration group:\n%s", name, text)
		}
		if !strings.Contains(text, "not selected by --only/--skip: not shown") {
			t.Errorf("%s should say checks were left out:\n%s", name, text)
		}
	}
	// config.services is selected but disabled (no per-service input): its
	// SKIP row is the only one; nothing deselected is shown as SKIP.
	if strings.Contains(table, "PostgreSQL") || strings.Count(table, "SKIP ") != 1 || !strings.Contains(table, "SKIP   | config.services") {
		t.Errorf("no other group, no SKIP row but the disabled config.services:\n%s", table)
	}
	_, js, _ := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "json")
	if got := statusOf(t, js, "postgres.connect"); got != "skip" {
		t.Errorf("JSON keeps every check: postgres.connect = %q", got)
	}
}
