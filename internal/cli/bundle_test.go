package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/bundle"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// leakySetup is a configuration whose every secret field holds a
// distinctive value, pointing at backends that fail in ways that make
// drivers echo what they were given.
type leakySetup struct {
	dir     string
	args    []string // input flags
	env     map[string]string
	secrets map[string]string // what must never appear, by name
	tlsURL  string
}

func newLeakySetup(t *testing.T) leakySetup {
	t.Helper()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	azureKey := base64.StdEncoding.EncodeToString([]byte("azure-account-key-Qw7#unique-64-bytes-of-key-material-xxxxxxxxxx"))
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	s := leakySetup{dir: dir, tlsURL: srv.URL, secrets: map[string]string{
		"db password":       "Db-Pw_7x!unique",
		"ro db password":    "Ro+Pw/8y&unique",
		"minio secret":      "minio-Secret+Key/9z=unique",
		"rsa key (pem)":     string(keyPEM),
		"license token":     "eyJhbGciOiJSUzI1NiJ9.eyJsaWNlbnNlIjoidW5pcXVlIn0.c2lnLXVuaXF1ZS14eXo",
		"azure key":         azureKey,
		"azure conn key":    "Y29ubi1zdHJpbmcta2V5LXVuaXF1ZQ==",
		"mqtt password":     "mqtt-Pw<'\"unique",
		"admin password":    "admin-Pw-unique-42",
		"aws secret (env)":  "aws/Secret+Access/Key-unique-from-process-env",
		"slack secret":      "slack-signing-unique-99",
		"aws session (env)": "IQoJb3JpZ2luX2VjEunique-session-token",
	}}
	_, closed, _ := net.SplitHostPort(testsvc.ClosedAddr(t))
	envFile := strings.Join([]string{
		"SERVER_DOMAIN=localhost",
		// A closed 127.0.0.1 port: drivers and the bundle's own probes fail.
		"DATABASE_URL=postgres://spacelift:" + url.QueryEscape(s.secrets["db password"]) + "@127.0.0.1:" + closed + "/spacelift?sslmode=require",
		// Malformed: its parse error echoes the string.
		"DATABASE_READ_ONLY_URL=postgres://spacelift:" + url.QueryEscape(s.secrets["ro db password"]) + "@127.0.0.1:notaport/spacelift",
		"OBJECT_STORAGE_TYPE=minio",
		"OBJECT_STORAGE_MINIO_ENDPOINT=127.0.0.1:" + closed,
		"OBJECT_STORAGE_MINIO_USE_SSL=true",
		"OBJECT_STORAGE_MINIO_ACCESS_KEY_ID=spacelift",
		"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=" + s.secrets["minio secret"],
		"OBJECT_STORAGE_BUCKET_UPLOADS_URL=" + srv.URL,
		"AZURE_STORAGE_KEY=" + azureKey,
		"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + s.secrets["azure conn key"] + ";EndpointSuffix=core.windows.net",
		"ENCRYPTION_TYPE=rsa",
		"ENCRYPTION_RSA_PRIVATE_KEY=" + base64.StdEncoding.EncodeToString(keyPEM),
		"LICENSE_TYPE=jwt",
		"LICENSE_TOKEN=" + s.secrets["license token"],
		"MESSAGE_QUEUE_TYPE=postgres",
		"MQTT_BROKER_TYPE=builtin",
		"MQTT_BROKER_ENDPOINT=tls://127.0.0.1:" + closed,
		"ADMIN_USERNAME=admin",
		"SLACK_SECRET=" + s.secrets["slack secret"],
	}, "\n") + "\n"
	writeFile(t, filepath.Join(dir, "spacelift.env"), envFile)
	// The MQTT password and admin password come from a Kubernetes Secret,
	// base64 under data: as kubectl writes them.
	k8s := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: preflight\ndata:\n" +
		"  SPACECTL_PREFLIGHT_MQTT_PASSWORD: " + base64.StdEncoding.EncodeToString([]byte(s.secrets["mqtt password"])) + "\n" +
		"  ADMIN_PASSWORD: " + base64.StdEncoding.EncodeToString([]byte(s.secrets["admin password"])) + "\n"
	writeFile(t, filepath.Join(dir, "secret.yaml"), k8s)
	s.args = []string{"--env-file", filepath.Join(dir, "spacelift.env"), "--k8s-secret", filepath.Join(dir, "secret.yaml")}
	// Secrets an SDK would read from the process environment, without
	// --from-env: swept and redacted all the same.
	s.env = map[string]string{"AWS_SECRET_ACCESS_KEY": s.secrets["aws secret (env)"], "AWS_SESSION_TOKEN": s.secrets["aws session (env)"],
		"KUBERNETES_SERVICE_HOST": "10.0.0.1", "GITHUB_ACTIONS": "true"}
	return s
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// encodingsOf lists, independently of internal/secret, the forms a value
// could leak in.
func encodingsOf(v string) map[string]string {
	j, _ := json.Marshal(v)
	var x bytes.Buffer
	_ = xml.EscapeText(&x, []byte(v))
	out := map[string]string{
		"raw": v, "base64": base64.StdEncoding.EncodeToString([]byte(v)), "base64url": base64.RawURLEncoding.EncodeToString([]byte(v)),
		"query-escaped": url.QueryEscape(v), "path-escaped": url.PathEscape(v), "json": strings.Trim(string(j), `"`), "xml": x.String(),
		"markdown": strings.ReplaceAll(v, "|", `\|`),
	}
	if block, _ := pem.Decode([]byte(v)); block != nil {
		lines := strings.Split(strings.TrimSpace(v), "\n")
		for i, l := range lines[1 : len(lines)-1] {
			out["pem line "+string(rune('a'+i%26))+string(rune('a'+i/26))] = l
		}
		out["pem as base64"] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return out
}

// assertNoSecret fails when any secret, in any encoding, is in text.
func (s leakySetup) assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for name, v := range s.secrets {
		for enc, form := range encodingsOf(v) {
			if len(form) >= 4 && strings.Contains(text, form) {
				t.Errorf("%s contains the %s (%s)", where, name, enc)
			}
		}
	}
}

func readBundle(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st.Mode().Perm() != 0o600 {
		t.Errorf("bundle mode %v, want 0600", st.Mode().Perm())
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		files[h.Name] = data
	}
}

type manifestOut struct {
	Complete   bool     `json:"complete"`
	Incomplete []string `json:"incompleteReasons"`
	Results    struct {
		Source      string `json:"source"`
		Interrupted bool   `json:"interrupted"`
	} `json:"results"`
	Files []struct {
		Name string `json:"name"`
	} `json:"files"`
	NotCollected []bundle.Item `json:"notCollected"`
	Redactions   []struct {
		Rule  string `json:"rule"`
		Count int    `json:"count"`
	} `json:"redactions"`
	Sweep struct {
		Result string `json:"result"`
	} `json:"sweep"`
}

func manifestOf(t *testing.T, files map[string][]byte) manifestOut {
	t.Helper()
	var m manifestOut
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v\n%s", err, files["manifest.json"])
	}
	return m
}

// runBundleWith runs `bundle` with a hook on its options (the test seam for
// planting files), and maps the error as Main does.
func runBundleWith(t *testing.T, ctx context.Context, env map[string]string, hook func(*BundleOptions), args ...string) (int, string, string) {
	t.Helper()
	ts := newTestStreams(env)
	cmd := newCmdBundle(ts.Streams, BuildInfo{Version: "test"}, func(ctx context.Context, o *BundleOptions) error {
		hook(o)
		return runBundle(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(ts.out)
	cmd.SetErr(ts.err)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		ts.err.WriteString(err.Error())
	}
	return exitCode(err), ts.out.String(), ts.err.String()
}

func TestBundleLeaksNoSecretInAnyFileFormatOrLog(t *testing.T) {
	s := newLeakySetup(t)
	out := filepath.Join(s.dir, "support.tar.gz")
	code, stdout, stderr := run(t, s.env, append([]string{"bundle", "-v", "-o", out}, s.args...)...)
	if code == ExitInternal || code == ExitUsage {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want the archive path", stdout)
	}
	names, files := readBundle(t, out)
	for _, want := range []string{"results.json", "results.xml", "results.md", "results.txt", "config.json", "environment.json", "network.json", "timings.json", "debug.log", "manifest.json"} {
		if len(files[want]) == 0 {
			t.Errorf("%s missing or empty", want)
		}
	}
	for _, n := range names {
		s.assertNoSecret(t, n, string(files[n]))
	}
	s.assertNoSecret(t, "stdout", stdout)
	s.assertNoSecret(t, "-v logs on stderr", stderr)
	if !strings.Contains(stderr, `"level":"DEBUG"`) || !strings.Contains(string(files["debug.log"]), `"msg":"check finished"`) {
		t.Error("the debug log was neither printed with -v nor kept in the bundle")
	}
	// The failing backends were reported, so the redaction had work to do.
	if !strings.Contains(string(files["results.json"]), "DATABASE_READ_ONLY_URL") {
		t.Error("the malformed read-only URL should be reported")
	}
	cfgJSON := string(files["config.json"])
	for _, want := range []string{`"name": "DATABASE_URL"`, "postgres://spacelift:xxxxx@127.0.0.1:", `"kind": "k8s-secret"`, "secret.yaml:", "spacelift.env:2", `"source": "default"`} {
		if !strings.Contains(cfgJSON, want) {
			t.Errorf("config.json lacks %q", want)
		}
	}
	env := string(files["environment.json"])
	if !strings.Contains(env, `"KUBERNETES_SERVICE_HOST"`) || !strings.Contains(env, "GitHub Actions") || strings.Contains(env, "10.0.0.1") {
		t.Errorf("environment.json must name the platform variables, never their values:\n%s", env)
	}
	network := string(files["network.json"])
	if !strings.Contains(network, `"chain"`) || !strings.Contains(network, `"notAfter"`) {
		t.Errorf("network.json lacks the TLS chain of %s:\n%s", s.tlsURL, network)
	}
	m := manifestOf(t, files)
	if !m.Complete || m.Sweep.Result != "clean" || m.Results.Source != "run" {
		t.Errorf("manifest: %+v", m)
	}
	rules := map[string]bool{}
	for _, r := range m.Redactions {
		rules[r.Rule] = true
	}
	for _, want := range []string{"DATABASE_URL", "ENCRYPTION_RSA_PRIVATE_KEY", "SPACECTL_PREFLIGHT_MQTT_PASSWORD", "$AWS_SECRET_ACCESS_KEY (process environment)"} {
		if !rules[want] {
			t.Errorf("no redaction rule %s in %v", want, m.Redactions)
		}
	}
	refused := false
	for _, nc := range m.NotCollected {
		refused = refused || strings.Contains(nc.Item, "TLS chain of 127.0.0.1:") && strings.Contains(nc.Reason, "refused")
	}
	if !refused {
		t.Errorf("the closed port should be listed as not collected: %+v", m.NotCollected)
	}
}

func TestCheckOutputsLeakNoSecretEither(t *testing.T) {
	s := newLeakySetup(t)
	args := append([]string{"check", "-v", "-o", "table"}, s.args...)
	paths := map[string]string{}
	for _, f := range []string{"json", "junit", "markdown"} {
		paths[f] = filepath.Join(s.dir, "out."+f)
		args = append(args, "-o", f+"="+paths[f])
	}
	_, stdout, stderr := run(t, s.env, args...)
	s.assertNoSecret(t, "table on stdout", stdout)
	s.assertNoSecret(t, "-v logs", stderr)
	for f, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s.assertNoSecret(t, f, string(data))
	}
}

func TestPlantedSecretIsRefusedWithExit3(t *testing.T) {
	s := newLeakySetup(t)
	out := filepath.Join(s.dir, "bundles", "b.tar.gz")
	if err := os.Mkdir(filepath.Dir(out), 0o700); err != nil {
		t.Fatal(err)
	}
	planted := base64.RawURLEncoding.EncodeToString([]byte(s.secrets["minio secret"]))
	code, stdout, stderr := runBundleWith(t, context.Background(), s.env, func(o *BundleOptions) {
		o.extraFiles = []bundle.File{{Name: "notes.txt", Data: []byte("support notes: " + planted + "\n"), About: "planted"}}
	}, append([]string{"--only", "config.*", "-o", out}, s.args...)...)
	if code != ExitInternal {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	for _, want := range []string{"notes.txt", "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY (base64", "nothing was written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	s.assertNoSecret(t, "stderr", stderr+stdout)
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("a refused bundle left files: %v", entries)
	}

	// The same run without the planted file is written: the refusal came
	// from the sweep, not from anything else in this configuration.
	code, _, stderr = runBundleWith(t, context.Background(), s.env, func(*BundleOptions) {}, append([]string{"--only", "config.*", "-o", out}, s.args...)...)
	if code == ExitInternal {
		t.Fatalf("clean run refused: %s", stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

func TestManifestListsExactlyTheArchive(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	code, _, stderr := runBundleWith(t, context.Background(), nil, func(o *BundleOptions) {
		o.extraFiles = []bundle.File{{Name: "extra.txt", Data: []byte("hello\n"), About: "an extra file"}}
	}, "--env-file", example("valid.env"), "--only", "config.*", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	names, files := readBundle(t, out)
	var listed []string
	for _, f := range manifestOf(t, files).Files {
		listed = append(listed, f.Name)
	}
	sort.Strings(listed)
	if !sort.StringsAreSorted(names) {
		t.Errorf("archive order is not deterministic (sorted): %v", names)
	}
	if strings.Join(listed, ",") != strings.Join(names, ",") {
		t.Errorf("manifest lists %v, archive holds %v", listed, names)
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	addr, connections := acceptCounter(t)
	env := filepath.Join(t.TempDir(), "d.env")
	writeFile(t, env, "DATABASE_URL=postgres://u:dry-run-pw-1@"+addr+"/db?sslmode=require\nMQTT_BROKER_ENDPOINT=tls://"+addr+"\n")
	code, stdout, stderr := run(t, nil, "bundle", "--dry-run", "--env-file", env)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Dry run", "spacectl-preflight-bundle-", "manifest.json", addr, "PostgreSQL SSLRequest", "would run"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "dry-run-pw-1") {
		t.Error("the dry run printed a secret")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("--dry-run wrote %v", entries)
	}
	if n := connections.Load(); n != 0 {
		t.Errorf("--dry-run made %d connections", n)
	}
}

func TestInterruptedRunYieldsIncompleteBundle(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errInterruptedForTest())
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	ts := newTestStreams(nil)
	code := Main(ctx, ts.Streams, BuildInfo{Version: "test"}, []string{"bundle", "--env-file", example("valid.env"), "-o", out})
	if code != ExitInterrupted {
		t.Fatalf("exit %d: %s", code, ts.err.String())
	}
	_, files := readBundle(t, out)
	m := manifestOf(t, files)
	if m.Complete || len(m.Incomplete) == 0 || !m.Results.Interrupted {
		t.Errorf("manifest not marked incomplete: %+v", m)
	}
	if !strings.Contains(string(files["results.json"]), `"interrupted": true`) {
		t.Errorf("results.json not marked interrupted")
	}
}

func TestBundlePacksEarlierResults(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.json")
	if code, _, _ := run(t, nil, "check", "--env-file", example("iotcore-postgres.env"), "--only", "config.*", "-o", "json="+results); code != ExitChecksFailed {
		t.Fatalf("check exit %d", code)
	}
	out := filepath.Join(dir, "b.tar.gz")
	code, _, stderr := run(t, nil, "bundle", "--env-file", example("iotcore-postgres.env"), "--results", results, "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, files := readBundle(t, out)
	m := manifestOf(t, files)
	if m.Results.Source != "file" || !strings.Contains(string(files["results.md"]), "config.compat") {
		t.Errorf("results not packed: %+v", m.Results)
	}
	// Packing an earlier run needs no configuration input.
	noInput := filepath.Join(dir, "no-input.tar.gz")
	if code, _, stderr := run(t, nil, "bundle", "--results", results, "-o", noInput, "-q"); code != ExitOK {
		t.Errorf("--results without a configuration: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, nil, "bundle", "--results", filepath.Join(dir, "nope.json"), "-o", out); code != ExitUsage || !strings.Contains(stderr, "--results") {
		t.Errorf("missing --results file: exit %d %s", code, stderr)
	}
}

// TestBundleRecordsRealPostgresChain points DATABASE_URL at the harness's
// TLS PostgreSQL: its chain is recorded and its real password appears
// nowhere in the bundle.
func TestBundleRecordsRealPostgresChain(t *testing.T) {
	v := testsvc.Require(t, "SPT_PG_TLS_URL")
	u, err := url.Parse(v[0])
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	dir := t.TempDir()
	env := filepath.Join(dir, "pg.env")
	writeFile(t, env, "DATABASE_URL="+v[0]+"\n")
	out := filepath.Join(dir, "b.tar.gz")
	if code, _, stderr := run(t, nil, "bundle", "-v", "--env-file", env, "-o", out); code == ExitInternal || code == ExitUsage {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	names, files := readBundle(t, out)
	s := leakySetup{secrets: map[string]string{"postgres password": pw, "postgres URL": v[0]}}
	for _, n := range names {
		s.assertNoSecret(t, n, string(files[n]))
	}
	var network struct {
		Endpoints []bundle.EndpointReport `json:"endpoints"`
	}
	if err := json.Unmarshal(files["network.json"], &network); err != nil {
		t.Fatal(err)
	}
	for _, e := range network.Endpoints {
		if e.Host == u.Hostname() && e.Port == u.Port() {
			if e.TLS == nil || e.TLS.Error != "" || len(e.TLS.Chain) == 0 || e.Handshake != bundle.PostgresTLS {
				t.Fatalf("no chain recorded: %+v", e.TLS)
			}
			return
		}
	}
	t.Fatalf("endpoint %s not in network.json:\n%s", u.Host, files["network.json"])
}

// TestPackedResultsAreScrubbedAndCounted packs a results file that holds a
// secret (as an older build, or a hand edit, could leave): the bundle is
// written without it and the manifest counts the redaction.
func TestPackedResultsAreScrubbedAndCounted(t *testing.T) {
	s := newLeakySetup(t)
	results := filepath.Join(s.dir, "old.json")
	if code, _, _ := run(t, s.env, append([]string{"check", "--only", "config.*", "-o", "json=" + results}, s.args...)...); code != ExitChecksFailed {
		t.Fatalf("check exit %d", code)
	}
	data, _ := os.ReadFile(results)
	leaked := strings.Replace(string(data), `"message": "`, `"message": "login with `+s.secrets["minio secret"]+` failed; `, 1)
	writeFile(t, results, leaked)
	out := filepath.Join(s.dir, "b.tar.gz")
	code, _, stderr := run(t, s.env, append([]string{"bundle", "--results", results, "-o", out}, s.args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	names, files := readBundle(t, out)
	for _, n := range names {
		s.assertNoSecret(t, n, string(files[n]))
	}
	if !strings.Contains(string(files["results.json"]), "login with [redacted] failed") {
		t.Errorf("the packed message was not kept, scrubbed:\n%s", files["results.json"])
	}
	for _, r := range manifestOf(t, files).Redactions {
		if r.Rule == "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY" && r.Count == 0 {
			t.Errorf("the redaction was not counted")
		}
	}
}
