package storage

import (
	"context"
	"crypto/tls"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/lifecycle"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

type minioEnv struct {
	endpoint, ak, sk, corsOrigin string
	store                        *s3Store
}

func requireMinio(t *testing.T) minioEnv {
	t.Helper()
	v := testsvc.Require(t, "SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY", "SPT_MINIO_CORS_ORIGIN")
	return minioEnv{endpoint: v[0], ak: v[1], sk: v[2], corsOrigin: v[3], store: newS3Store(t, v[0], v[1], v[2])}
}

// cfg is a MinIO configuration for the buckets, with SERVER_DOMAIN set to
// the origin the test server allows.
func (m minioEnv) cfg(t *testing.T, names map[string]string, extra map[string]string) *config.Config {
	return testCfg(t, merge(bucketVars(names), map[string]string{
		TypeVar:                  "minio",
		MinioEndpoint:            m.endpoint,
		MinioAccessKeyID:         m.ak,
		MinioSecretAccessKey:     m.sk,
		configcheck.ServerDomain: strings.TrimPrefix(m.corsOrigin, "https://"),
		UploadsURL:               "http://" + m.endpoint,
	}, extra))
}

func TestMinioAllBucketsPass(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	ctx := testCtx(t)
	for _, p := range append([]string{"states"}, suggestVersioning()...) {
		if err := m.store.c.EnableVersioning(ctx, names[p]); err != nil {
			t.Fatalf("enable versioning: %v", err)
		}
	}
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{})
	expectBucketsPass(t, outs, "pre-signed URL")
	for _, p := range purposes() {
		if _, ok := outs["storage.bucket."+p].Result.Details.Get("pre-signed URL host"); ok == sparedByDefault(p) {
			t.Errorf("storage.bucket.%s: pre-signed URL host in details = %v, want %v", p, ok, !ok)
		}
	}
	expect(t, outs, "storage.versioning", checks.Pass)
	expect(t, outs, "storage.lifecycle", checks.Pass)
	expect(t, outs, "storage.cors", checks.Pass)
	expect(t, outs, "storage.public-access", checks.Pass, "refused")
	// Versions too: on a versioned bucket a plain delete would only hide
	// the probe behind a delete marker.
	m.store.assertNoProbes(t, names, true)
	noSecret(t, outs, m.sk)
}

// TestMinioMissingBucket: a missing bucket fails its own check only; the
// checks that look at every bucket list it as not checked, in read-only
// mode too.
func TestMinioMissingBucket(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	for _, p := range append([]string{"states"}, suggestVersioning()...) {
		if err := m.store.c.EnableVersioning(testCtx(t), names[p]); err != nil {
			t.Fatalf("enable versioning: %v", err)
		}
	}
	names["states"] = randName("missing")
	for _, ro := range []bool{false, true} {
		outs := run(t, m.cfg(t, names, nil), checks.Options{ReadOnly: ro}, seams{})
		expect(t, outs, "storage.bucket.states", checks.Fail, "does not exist", names["states"], "Create the bucket")
		expect(t, outs, "storage.bucket.modules", checks.Pass)
		expectNotChecked(t, outs, "storage.versioning", checks.Pass, names["states"], "states")
		expectNotChecked(t, outs, "storage.lifecycle", checks.Pass, names["states"], "states")
		expectNotChecked(t, outs, "storage.public-access", checks.Pass, names["states"], "states")
	}
}

func TestMinioWrongSecret(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	wrong := "wrong-" + m.sk + "-zz"
	outs := run(t, m.cfg(t, names, map[string]string{MinioSecretAccessKey: wrong}), checks.Options{}, seams{}, bucketIDs()...)
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Fail, "signature", "SignatureDoesNotMatch", MinioSecretAccessKey)
	}
	noSecret(t, outs, wrong, m.sk)
}

// TestMinioReadOnlyIdentity uses MinIO's STS AssumeRole with a session
// policy that allows reads only: a real MinIO identity without write
// permission (madmin-go, the admin API client, is AGPL-licensed, so the
// tests do not create a user through it).
func TestMinioReadOnlyIdentity(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	creds := readOnlySTS(t, m)
	// By default the states and modules buckets get no write probe, so
	// the missing write permission shows only when it is asked for.
	for _, all := range []bool{false, true} {
		outs := run(t, m.cfg(t, names, nil), checks.Options{ProbeAllBuckets: all}, seams{minioCreds: creds}, bucketIDs()...)
		for _, p := range purposes() {
			if sparedByDefault(p) && !all {
				expect(t, outs, "storage.bucket."+p, checks.Pass, "no probe object written")
				continue
			}
			expect(t, outs, "storage.bucket."+p, checks.Fail, "access denied", "s3:PutObject on arn:aws:s3:::"+names[p]+"/*")
		}
	}
	m.store.assertEmpty(t, names, true)
}

func readOnlySTS(t *testing.T, m minioEnv) *credentials.Credentials {
	t.Helper()
	return stsWithPolicy(t, m, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation","s3:GetBucketVersioning"],"Resource":["arn:aws:s3:::*"]}]}`)
}

// stsWithPolicy returns temporary credentials from MinIO's STS, restricted
// by the session policy.
func stsWithPolicy(t *testing.T, m minioEnv, policy string) *credentials.Credentials {
	t.Helper()
	creds, err := credentials.NewSTSAssumeRole("http://"+m.endpoint, credentials.STSAssumeRoleOptions{AccessKey: m.ak, SecretKey: m.sk, Policy: policy, Location: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creds.GetWithContext(nil); err != nil {
		t.Fatalf("STS AssumeRole on MinIO: %v", err)
	}
	return creds
}

func TestMinioVersioningOffOnStatesFails(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Fail, names["states"], "requires it on the states bucket", "mc version enable ALIAS/"+names["states"])
	// Suspended counts as off.
	ctx := testCtx(t)
	if err := m.store.c.EnableVersioning(ctx, names["states"]); err != nil {
		t.Fatal(err)
	}
	outs = run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Warn, "Spacelift suggests enabling it")
	if err := m.store.c.SuspendVersioning(ctx, names["states"]); err != nil {
		t.Fatal(err)
	}
	outs = run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Fail, "versioning is suspended")
}

func TestMinioLifecycle(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	ctx := testCtx(t)
	setExpiry := func(bucket string, days int) {
		lc := lifecycle.NewConfiguration()
		lc.Rules = []lifecycle.Rule{{ID: "expire", Status: "Enabled", Expiration: lifecycle.Expiration{Days: lifecycle.ExpirationDays(days)}}}
		if err := m.store.c.SetBucketLifecycle(ctx, bucket, lc); err != nil {
			t.Fatalf("set lifecycle: %v", err)
		}
	}
	setExpiry(names["run-logs"], 30)
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Warn, names["run-logs"], "30 days", "60 days")
	setExpiry(names["states"], 365)
	outs = run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Fail, names["states"], "loses data", "mc ilm rule rm")
}

func TestMinioCORS(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	r := expect(t, outs, "storage.cors", checks.Pass, "a browser on "+m.corsOrigin+" may upload", "PUT and POST with a Content-Type")
	for _, name := range []string{"PUT preflight", "POST preflight", UploadsURL} {
		if st := stepNamed(t, r, name); st.Status != checks.Pass {
			t.Errorf("step %+v, want a pass", st)
		}
	}
	outs = run(t, m.cfg(t, names, map[string]string{configcheck.ServerDomain: "refused.spt.example"}), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "would be refused", "cors_allow_origin=https://refused.spt.example")
}

func TestMinioReadOnlyWritesNothing(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	outs := run(t, m.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{})
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Pass, "read-only")
	}
	expect(t, outs, "storage.public-access", checks.Pass)
	m.store.assertEmpty(t, names, true)
}

func TestMinioPublicBucketWarns(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	b := names["uploads"]
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + b + `","arn:aws:s3:::` + b + `/*"]}]}`
	if err := m.store.c.SetBucketPolicy(testCtx(t), b, policy); err != nil {
		t.Fatal(err)
	}
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.public-access")
	r := expect(t, outs, "storage.public-access", checks.Warn, b, "without credentials", "mc anonymous set none ALIAS/"+b)
	if st := stepNamed(t, r, b+" (uploads)"); st.Status != checks.Warn || !strings.Contains(st.Message, "without credentials") {
		t.Errorf("uploads step = %+v", st)
	}
	if st := stepNamed(t, r, names["states"]+" (states)"); st.Status != checks.Pass {
		t.Errorf("states step = %+v, want a pass: only uploads is public", st)
	}
	m.store.assertNoProbes(t, names, true)
}

// TestMinioSharedBucket: two purposes on one bucket are probed once and
// both reported.
func TestMinioSharedBucket(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	names["metadata"] = names["deliveries"]
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.bucket.deliveries", "storage.bucket.metadata")
	a := expect(t, outs, "storage.bucket.deliveries", checks.Pass)
	b := expect(t, outs, "storage.bucket.metadata", checks.Pass)
	_, sa := a.Details.Get("shared with")
	_, sb := b.Details.Get("shared with")
	if sa == sb {
		t.Errorf("exactly one of the two results should say it reused the other's probe: %v / %v", a.Details, b.Details)
	}
}

// TestMinioTLS puts a TLS-terminating proxy with a self-signed certificate
// in front of MinIO: refused without ALLOW_INSECURE, accepted with it.
func TestMinioTLS(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	target, _ := url.Parse("http://" + m.endpoint)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host // SigV4 signs the Host header the client saw
	}}
	srv := httptest.NewUnstartedServer(proxy)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	base := map[string]string{MinioEndpoint: host, MinioUseSSL: "true", UploadsURL: srv.URL}

	outs := run(t, m.cfg(t, names, base), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Fail, "TLS", "unknown authority", "OBJECT_STORAGE_MINIO_ALLOW_INSECURE=true")

	outs = run(t, m.cfg(t, names, merge(base, map[string]string{MinioAllowInsecure: "true"})), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Pass)

	// USE_SSL=true against MinIO's plain-HTTP port.
	outs = run(t, m.cfg(t, names, map[string]string{MinioUseSSL: "true"}), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Fail, "TLS")
}

func TestMinioDeadline(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	deadlineTest(t, m.cfg(t, names, map[string]string{MinioEndpoint: testsvc.SilentListener(t).Addr()}))
}

// TestMinioClockSkew sends the requests through a proxy that moves their
// signed date an hour back, as a skewed clock would: MinIO refuses them
// with RequestTimeTooSkewed before it checks the signature.
func TestMinioClockSkew(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	target, _ := url.Parse("http://" + m.endpoint)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
		if d, err := time.Parse("20060102T150405Z", r.In.Header.Get("X-Amz-Date")); err == nil {
			r.Out.Header.Set("X-Amz-Date", d.Add(-time.Hour).Format("20060102T150405Z"))
		}
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	outs := run(t, m.cfg(t, names, map[string]string{MinioEndpoint: strings.TrimPrefix(srv.URL, "http://")}), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Fail, "RequestTimeTooSkewed", "NTP")
	m.store.assertEmpty(t, names, true)
}

func TestMinioClosedPort(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	outs := run(t, m.cfg(t, names, map[string]string{MinioEndpoint: closed}), checks.Options{}, seams{}, "storage.bucket.states", "storage.cors")
	expect(t, outs, "storage.bucket.states", checks.Error, "refused", "reachable")
}

// stallingProxy puts a proxy in front of MinIO that passes every request
// but those hold takes: for those, hold runs (it may pass the request on
// itself), the returned channel is signalled, and the answer is held until
// the client gives up.
func stallingProxy(t *testing.T, m minioEnv, hold func(proxy http.Handler, r *http.Request) bool) (endpoint string, held <-chan struct{}) {
	t.Helper()
	target, _ := url.Parse("http://" + m.endpoint)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
	}}
	ch := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold(proxy, r) {
			ch <- struct{}{}
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), ch
}

// stallReads holds every signed GET of a probe object, after confirming on
// the server that the object exists: the check then times out or is
// interrupted after its put succeeded.
func stallReads(t *testing.T, m minioEnv) (endpoint string, reading <-chan struct{}) {
	t.Helper()
	return stallingProxy(t, m, func(_ http.Handler, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/"+probePrefix) {
			return false
		}
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
		if _, err := m.store.c.StatObject(r.Context(), parts[0], parts[1], minio.StatObjectOptions{}); err != nil {
			t.Errorf("the probe object %s is not on the server while it is read: %v", r.URL.Path, err)
		}
		return true
	})
}

// TestMinioCleanupOnTimeout: a check that times out after writing its
// probe still removes it, in the states bucket probed on request, where a
// leftover would matter most.
func TestMinioCleanupOnTimeout(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	ep, reading := stallReads(t, m)
	cfg := m.cfg(t, names, map[string]string{MinioEndpoint: ep})
	const timeout = 2 * time.Second
	start := time.Now()
	outs := runWith(t, cfg, checks.Options{ProbeAllBuckets: true}, seams{}, checks.RunOptions{Only: []string{"storage.bucket.states"},
		Timeouts: map[string]time.Duration{"storage.bucket.states": timeout}})
	expect(t, outs, "storage.bucket.states", checks.Error, "timed out")
	if len(reading) != 1 {
		t.Errorf("the probe object was read %d times, want 1", len(reading))
	}
	if d := time.Since(start); d > timeout+time.Second {
		t.Errorf("run took %s", d)
	}
	m.store.assertEmpty(t, names, true)
}

// TestMinioUploadsURLHost: MinIO has no official value; the endpoint's host
// is what pre-signed URLs use, so another host warns.
func TestMinioUploadsURLHost(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	outs := run(t, m.cfg(t, names, map[string]string{UploadsURL: "https://minio.public.spt.example"}), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Warn, "minio.public.spt.example is not "+m.endpoint, "Content-Security-Policy", UploadsURL+"=https://"+m.endpoint)
}

// stallUploads holds the answer to every upload through a pre-signed URL,
// after MinIO stored the object.
func stallUploads(t *testing.T, m minioEnv) (endpoint string, uploading <-chan struct{}) {
	t.Helper()
	return stallingProxy(t, m, func(proxy http.Handler, r *http.Request) bool {
		if r.Method != http.MethodPut || r.URL.Query().Get("X-Amz-Signature") == "" {
			return false
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		if rec.Code != http.StatusOK {
			t.Errorf("MinIO refused the upload: %d %s", rec.Code, rec.Body)
		}
		return true
	})
}

// TestMinioUploadCleanupOnTimeout: the object uploaded through the
// pre-signed URL is removed too when the check times out waiting for the
// upload's answer, on a versioned bucket (every version).
func TestMinioUploadCleanupOnTimeout(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	if err := m.store.c.EnableVersioning(testCtx(t), names["states"]); err != nil {
		t.Fatal(err)
	}
	ep, uploading := stallUploads(t, m)
	cfg := m.cfg(t, names, map[string]string{MinioEndpoint: ep})
	const timeout = 3 * time.Second
	outs := runWith(t, cfg, checks.Options{ProbeAllBuckets: true}, seams{}, checks.RunOptions{Only: []string{"storage.bucket.states"},
		Timeouts: map[string]time.Duration{"storage.bucket.states": timeout}})
	expect(t, outs, "storage.bucket.states", checks.Error, "timed out")
	if len(uploading) != 1 {
		t.Fatalf("the probe uploaded %d times through the pre-signed URL, want 1", len(uploading))
	}
	m.store.assertEmpty(t, names, true)
}

// TestMinioCleanupOnInterrupt: Ctrl-C while the probe object exists.
func TestMinioCleanupOnInterrupt(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	ep, reading := stallReads(t, m)
	cfg := m.cfg(t, names, map[string]string{MinioEndpoint: ep})
	p := &checks.Plan{}
	register(p, cfg, checks.Options{ProbeAllBuckets: true}, awsenv.New(cfg), seams{})
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-reading
		cancel(checks.ErrInterrupted)
	}()
	outs := checks.Run(ctx, p.Checks(), checks.RunOptions{Only: []string{"storage.bucket.states"}})
	if len(reading) != 0 || ctx.Err() == nil {
		t.Fatal("the check never read its probe object")
	}
	p.Close(context.Background())
	for _, o := range outs {
		if o.Check.ID == "storage.bucket.states" && (o.Result.Status != checks.Error || o.Result.Message != "interrupted") {
			t.Errorf("result: %+v", o.Result)
		}
	}
	m.store.assertEmpty(t, names, true)
}
