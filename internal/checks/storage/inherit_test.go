package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// loadWithShell loads an env file of vars through the real loader, with the
// process environment as the shell that runs the tool (no --from-env), as
// the CLI does.
func loadWithShell(t *testing.T, vars map[string]string) *config.Config {
	t.Helper()
	var b strings.Builder
	for k, v := range vars {
		b.WriteString(k + "=" + v + "\n")
	}
	f := filepath.Join(t.TempDir(), "spacelift.env")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	cat := checks.MustCatalog([]checks.Backend{Backend{}, configcheck.Backend{}, awsenv.Backend{}})
	cfg, ds := config.Load(config.LoadOptions{Catalog: cat, EnvFiles: []string{f}, Env: env})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

// expectDetail asserts a result's detail.
func expectDetail(t *testing.T, r checks.Result, key, want string) {
	t.Helper()
	if got, _ := r.Details.Get(key); got != want {
		t.Errorf("detail %q = %q, want %q", key, got, want)
	}
}

// TestGCSEmulatorAndKeyFileOnlyInTheShell: STORAGE_EMULATOR_HOST and
// GOOGLE_APPLICATION_CREDENTIALS exported in the shell, an env file without
// them. The GCS library talks to the emulator either way; the check must
// say so, and sign URLs with the key file, as the SDK inside Spacelift
// would with the same environment.
func TestGCSEmulatorAndKeyFileOnlyInTheShell(t *testing.T) {
	g := requireGCS(t) // exports STORAGE_EMULATOR_HOST
	names := g.createAll(t, false)
	t.Setenv(GoogleCredentials, g.keyFile)
	cfg := loadWithShell(t, merge(bucketVars(names), map[string]string{TypeVar: "gcp"}))
	outs := run(t, cfg, checks.Options{ProbeAllBuckets: true}, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Pass, "pre-signed URL", "pre-signed PUT URL")
	expectDetail(t, r, "endpoint", "http://"+g.host)
	expectDetail(t, r, "endpoint from", "STORAGE_EMULATOR_HOST from $STORAGE_EMULATOR_HOST (process environment)")
	expectDetail(t, r, "credentials", "none: the emulator needs no authentication; URLs are signed with the service-account key file for spacelift@spt-test.iam.gserviceaccount.com (GOOGLE_APPLICATION_CREDENTIALS from $GOOGLE_APPLICATION_CREDENTIALS (process environment))")
	g.assertEmpty(t, names)
}

// TestAzureCredentialsOnlyInTheShell: AZURE_STORAGE_KEY, then
// AZURE_STORAGE_CONNECTION_STRING, exported in the shell and absent from
// the env file: they are used (DefaultAzureCredential would find nothing
// here) and the details say where they came from.
func TestAzureCredentialsOnlyInTheShell(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	base := merge(bucketVars(names), map[string]string{TypeVar: "azure"})

	t.Setenv(AzureStorageKey, a.key)
	t.Setenv(AzureConnectionString, "")
	outs := run(t, loadWithShell(t, merge(base, map[string]string{AzureAccountURL: a.url})), checks.Options{ProbeAllBuckets: true}, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Pass, "pre-signed PUT URL")
	expectDetail(t, r, "endpoint", a.url)
	expectDetail(t, r, "credentials", "shared key (AZURE_STORAGE_KEY from $AZURE_STORAGE_KEY (process environment))")
	noSecret(t, outs, a.key)

	t.Setenv(AzureStorageKey, "")
	t.Setenv(AzureConnectionString, a.conn)
	outs = run(t, loadWithShell(t, base), checks.Options{}, seams{}, "storage.bucket.states")
	r = expect(t, outs, "storage.bucket.states", checks.Pass)
	expectDetail(t, r, "endpoint", a.url)
	expectDetail(t, r, "endpoint from", "AZURE_STORAGE_CONNECTION_STRING from $AZURE_STORAGE_CONNECTION_STRING (process environment)")
	expectDetail(t, r, "credentials", "the account key in the connection string (AZURE_STORAGE_CONNECTION_STRING from $AZURE_STORAGE_CONNECTION_STRING (process environment))")
	noSecret(t, outs, a.key, a.conn)
	a.assertEmpty(t, names)
}
