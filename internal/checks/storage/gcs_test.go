package storage

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

type gcsEnv struct {
	host, keyFile string
	c             *storage.Client
}

func requireGCS(t *testing.T) gcsEnv {
	t.Helper()
	host := testsvc.Require(t, "SPT_GCS_EMULATOR_HOST")[0]
	// The storage library reads the standard variable itself.
	t.Setenv("STORAGE_EMULATOR_HOST", host)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	c, err := storage.NewClient(testCtx(t), option.WithEndpoint("http://"+host+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return gcsEnv{host: host, keyFile: fakeServiceAccount(t), c: c}
}

// fakeServiceAccount writes a service-account key file with a fresh RSA
// key: URLs are signed locally with it, as with a real key file (the
// emulator does not verify signatures).
func fakeServiceAccount(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	j, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "spt-test", "client_email": "spacelift@spt-test.iam.gserviceaccount.com",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	})
	p := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(p, j, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (g gcsEnv) create(t *testing.T, name string, attrs *storage.BucketAttrs) {
	t.Helper()
	if err := g.c.Bucket(name).Create(testCtx(t), "spt-test", attrs); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, k := range g.keys(t, name) {
			_ = g.c.Bucket(name).Object(k).Delete(ctx)
		}
		_ = g.c.Bucket(name).Delete(ctx)
	})
}

func (g gcsEnv) createAll(t *testing.T, versioned bool) map[string]string {
	t.Helper()
	names := map[string]string{}
	for _, p := range purposes() {
		n := randName(shortPurpose(p))
		g.create(t, n, &storage.BucketAttrs{VersioningEnabled: versioned})
		names[p] = n
	}
	return names
}

func (g gcsEnv) keys(t *testing.T, bucket string) []string {
	t.Helper()
	var out []string
	it := g.c.Bucket(bucket).Objects(testCtx(t), &storage.Query{Versions: true})
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		out = append(out, a.Name)
	}
}

func (g gcsEnv) assertEmpty(t *testing.T, names map[string]string) {
	t.Helper()
	for _, n := range names {
		if left := g.keys(t, n); len(left) > 0 {
			t.Errorf("bucket %s is not empty: %v", n, left)
		}
	}
}

func (g gcsEnv) cfg(t *testing.T, names map[string]string, extra map[string]string) *config.Config {
	return testCfg(t, merge(bucketVars(names), map[string]string{
		TypeVar:                  "gcp",
		StorageEmulatorHost:      g.host,
		GoogleCredentials:        g.keyFile,
		configcheck.ServerDomain: "spacelift.spt.example",
		UploadsURL:               "http://" + g.host,
	}, extra))
}

func TestGCSAllBucketsPass(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, true)
	outs := run(t, g.cfg(t, names, nil), checks.Options{}, seams{})
	expectBucketsPass(t, outs, "pre-signed URL")
	expect(t, outs, "storage.versioning", checks.Pass)
	expect(t, outs, "storage.lifecycle", checks.Pass)
	// fake-gcs-server answers every preflight permissively; only the
	// allowed case can be exercised against it.
	expect(t, outs, "storage.cors", checks.Pass)
	// The emulator has no access control at all, so anonymous reads work:
	// the check must say so.
	expect(t, outs, "storage.public-access", checks.Warn, "without credentials", "--public-access-prevention")
	// Listing with Versions also shows noncurrent generations.
	g.assertEmpty(t, names)
}

// TestGCSMissingBucket: one cause, one failure. The checks that look at
// every bucket list the missing one as not checked.
func TestGCSMissingBucket(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, true)
	names["states"] = randName("missing")
	outs := run(t, g.cfg(t, names, nil), checks.Options{}, seams{}, "storage.bucket.states", "storage.versioning", "storage.lifecycle", "storage.public-access")
	expect(t, outs, "storage.bucket.states", checks.Fail, "does not exist", names["states"])
	expectNotChecked(t, outs, "storage.versioning", checks.Pass, names["states"], "states")
	expectNotChecked(t, outs, "storage.lifecycle", checks.Pass, names["states"], "states")
	// fake-gcs-server serves anonymous reads: the other buckets warn.
	expectNotChecked(t, outs, "storage.public-access", checks.Warn, names["states"], "states")
}

// TestGCSUploadsURLHost: fake-gcs-server answers every CORS preflight
// permissively (a fixed server-wide rule, origin *), so only the host of
// OBJECT_STORAGE_BUCKET_UPLOADS_URL can fail here: the emulator's own host
// and the official https://storage.googleapis.com pass, another warns.
func TestGCSUploadsURLHost(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	for url, want := range map[string]checks.Status{
		"http://" + g.host:                 checks.Pass,
		"https://storage.googleapis.com":   checks.Pass,
		"https://storage.cloud.google.com": checks.Warn,
	} {
		outs := run(t, g.cfg(t, names, map[string]string{UploadsURL: url}), checks.Options{}, seams{}, "storage.cors")
		r := expect(t, outs, "storage.cors", want)
		if st := stepNamed(t, r, UploadsURL); st.Status != want {
			t.Errorf("%s: %+v", url, st)
		}
		for _, m := range []string{"PUT preflight", "POST preflight"} {
			if st := stepNamed(t, r, m); st.Status != checks.Pass {
				t.Errorf("%s: %+v", m, st)
			}
		}
	}
}

func TestGCSVersioningOffOnStatesFails(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	outs := run(t, g.cfg(t, names, nil), checks.Options{}, seams{}, "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Fail, names["states"], "gcloud storage buckets update gs://"+names["states"]+" --versioning")
}

func TestGCSReadOnlyWritesNothing(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, true)
	outs := run(t, g.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{})
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Pass, "read-only")
	}
	g.assertEmpty(t, names)
}

// TestGCSNoSigningIdentity: without a key file the library must sign
// through IAM signBlob; with the emulator there is no such identity, and
// the failure names the role the module grants for it.
func TestGCSNoSigningIdentity(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	cfg := g.cfg(t, names, map[string]string{GoogleCredentials: ""})
	outs := run(t, cfg, checks.Options{}, seams{}, "storage.bucket.uploads")
	expect(t, outs, "storage.bucket.uploads", checks.Fail, "pre-signed", "roles/iam.serviceAccountTokenCreator")
	g.assertEmpty(t, names)
}

func TestGCSDeadline(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	t.Setenv("STORAGE_EMULATOR_HOST", "")
	deadlineTest(t, g.cfg(t, names, map[string]string{StorageEmulatorHost: testsvc.SilentListener(t).Addr()}))
}
