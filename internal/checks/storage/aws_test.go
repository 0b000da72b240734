package storage

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7/pkg/cors"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// isolateAWS keeps the developer's own AWS profile, credentials and
// instance metadata out of the SDK's default chain.
func isolateAWS(t *testing.T) {
	t.Helper()
	for _, v := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

type s3Env struct {
	endpoint, ak, sk string
	store            *s3Store
}

func requireVersity(t *testing.T) s3Env {
	t.Helper()
	v := testsvc.Require(t, "SPT_VERSITYGW_ENDPOINT", "SPT_VERSITYGW_ACCESS_KEY", "SPT_VERSITYGW_SECRET_KEY")
	isolateAWS(t)
	return s3Env{endpoint: v[0], ak: v[1], sk: v[2], store: newS3Store(t, v[0], v[1], v[2])}
}

// requireMinioS3 is the harness MinIO seen through the aws backend.
func requireMinioS3(t *testing.T) s3Env {
	t.Helper()
	m := requireMinio(t)
	isolateAWS(t)
	return s3Env{endpoint: "http://" + m.endpoint, ak: m.ak, sk: m.sk, store: m.store}
}

func (e s3Env) cfg(t *testing.T, names map[string]string, extra map[string]string) *config.Config {
	return testCfg(t, merge(bucketVars(names), map[string]string{
		TypeVar:                  "aws",
		awsenv.Region:            "us-east-1",
		awsenv.AccessKeyID:       e.ak,
		awsenv.SecretAccessKey:   e.sk,
		AWSEndpointURLS3:         e.endpoint,
		configcheck.ServerDomain: "spacelift.spt.example",
		UploadsURL:               e.endpoint,
	}, extra))
}

func TestAWSVersityAllBucketsPass(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, append(bucketIDs(), "storage.public-access", "storage.lifecycle", "storage.versioning")...)
	expectBucketsPass(t, outs, "pre-signed URL")
	expect(t, outs, "storage.public-access", checks.Pass)
	// versitygw's posix backend without a versioning directory reports
	// versioning off.
	expect(t, outs, "storage.versioning", checks.Fail, "requires it on the states bucket", "aws s3api put-bucket-versioning --bucket "+names["states"])
	// versitygw's posix backend has no lifecycle API: "could not verify".
	expect(t, outs, "storage.lifecycle", checks.Warn, "could not read lifecycle rules", "does not implement")
	e.store.assertNoProbes(t, names, false)
	noSecret(t, outs, e.sk)
}

// TestAWSEndpointFromEnvironment: AWS_ENDPOINT_URL_S3 and the credentials
// reach the SDK through its own default chain, not only through the
// configuration.
func TestAWSEndpointFromEnvironment(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", e.endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", e.ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", e.sk)
	t.Setenv("AWS_REGION", "us-east-1")
	cfg := testCfg(t, merge(bucketVars(names), map[string]string{TypeVar: "aws"}))
	outs := run(t, cfg, checks.Options{}, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Pass)
	if ep, _ := r.Details.Get("endpoint"); ep != e.endpoint+" (region us-east-1)" {
		t.Errorf("endpoint detail = %q", ep)
	}
	e.store.assertNoProbes(t, names, false)
}

// TestAWSVersityMissingBucket: the missing modules and uploads buckets fail
// their own checks; versioning, lifecycle, public access and CORS list them
// as not checked and judge only the others.
func TestAWSVersityMissingBucket(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	names["modules"], names["uploads"] = randName("missing"), randName("missing")
	outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{})
	expect(t, outs, "storage.bucket.modules", checks.Fail, "does not exist", names["modules"], "aws sts get-caller-identity")
	expect(t, outs, "storage.bucket.uploads", checks.Fail, "does not exist", names["uploads"])
	// versitygw reports versioning off: states fails for that, and only
	// for that.
	r := expectNotChecked(t, outs, "storage.versioning", checks.Fail, names["modules"], "modules")
	if !strings.Contains(r.Message, names["states"]) {
		t.Errorf("storage.versioning leads with %q, want the states bucket", r.Message)
	}
	expectNotChecked(t, outs, "storage.public-access", checks.Pass, names["modules"], "modules")
	// versitygw's posix backend has no lifecycle API: the others warn.
	expectNotChecked(t, outs, "storage.lifecycle", checks.Warn, names["modules"], "modules")
	r = expect(t, outs, "storage.cors", checks.Pass, "names the host browsers upload to", "(CORS preflight: not checked: storage.bucket.uploads reports it")
	if st := stepNamed(t, r, "CORS preflight"); st.Status != checks.Skip {
		t.Errorf("CORS preflight step %+v", st)
	}
	for _, id := range []string{"storage.versioning", "storage.lifecycle", "storage.public-access", "storage.cors"} {
		for _, st := range outs[id].Result.Steps {
			if st.Status >= checks.Fail && (strings.Contains(st.Name, names["modules"]) || strings.Contains(st.Name, names["uploads"])) {
				t.Errorf("%s fails the missing bucket again: %+v", id, st)
			}
		}
	}
}

func TestAWSVersityWrongSecret(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	wrong := "Wr0ng" + e.sk
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.SecretAccessKey: wrong}), checks.Options{}, seams{}, "storage.bucket.uploads", "storage.versioning", "storage.public-access")
	expect(t, outs, "storage.bucket.uploads", checks.Fail, "signature", "AWS_SECRET_ACCESS_KEY")
	noSecret(t, outs, wrong, e.sk)
}

func TestAWSVersityCORS(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "would be refused", "aws s3api put-bucket-cors --bucket "+names["uploads"], `"AllowedOrigins":["https://spacelift.spt.example"]`)

	rule := cors.Rule{AllowedOrigin: []string{"https://spacelift.spt.example"}, AllowedMethod: []string{"PUT", "POST"}, AllowedHeader: []string{"*"}, MaxAgeSeconds: 3600}
	if err := e.store.c.SetBucketCors(testCtx(t), names["uploads"], cors.NewConfig([]cors.Rule{rule})); err != nil {
		t.Fatalf("put bucket cors: %v", err)
	}
	outs = run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Pass, "a browser on https://spacelift.spt.example may upload")
	// Another origin is still refused by the same rule.
	outs = run(t, e.cfg(t, names, map[string]string{configcheck.ServerDomain: "other.spt.example"}), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "https://other.spt.example")

	// A rule for PUT only, or without the Content-Type header, refuses
	// what browsers send: each preflight is judged on its own.
	for name, c := range map[string]struct {
		rule      cors.Rule
		put, post checks.Status
		why       string
	}{
		"PUT only":  {cors.Rule{AllowedOrigin: []string{"https://spacelift.spt.example"}, AllowedMethod: []string{"PUT"}, AllowedHeader: []string{"*"}}, checks.Pass, checks.Fail, "refused a POST upload"},
		"no header": {cors.Rule{AllowedOrigin: []string{"https://spacelift.spt.example"}, AllowedMethod: []string{"PUT", "POST"}}, checks.Fail, checks.Fail, "refused a PUT upload"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := e.store.c.SetBucketCors(testCtx(t), names["uploads"], cors.NewConfig([]cors.Rule{c.rule})); err != nil {
				t.Fatalf("put bucket cors: %v", err)
			}
			outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
			r := expect(t, outs, "storage.cors", checks.Fail, c.why, "aws s3api put-bucket-cors")
			if st := stepNamed(t, r, "PUT preflight"); st.Status != c.put {
				t.Errorf("PUT preflight %+v, want %s", st, c.put)
			}
			if st := stepNamed(t, r, "POST preflight"); st.Status != c.post {
				t.Errorf("POST preflight %+v, want %s", st, c.post)
			}
		})
	}
}

// TestAWSUploadsURLHost: OBJECT_STORAGE_BUCKET_UPLOADS_URL must name the
// host of the pre-signed upload URLs (here the endpoint override, path
// style) or the official module's regional form; another host warns,
// because the frontend's Content-Security-Policy would block uploads.
func TestAWSUploadsURLHost(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	rule := cors.Rule{AllowedOrigin: []string{"https://spacelift.spt.example"}, AllowedMethod: []string{"PUT", "POST"}, AllowedHeader: []string{"*"}}
	if err := e.store.c.SetBucketCors(testCtx(t), names["uploads"], cors.NewConfig([]cors.Rule{rule})); err != nil {
		t.Fatalf("put bucket cors: %v", err)
	}
	for url, want := range map[string]checks.Status{
		e.endpoint + "/": checks.Pass,
		"https://" + names["uploads"] + ".s3.us-east-1.amazonaws.com": checks.Pass,
		"https://" + names["uploads"] + ".s3.amazonaws.com":           checks.Warn,
		"https://uploads.spt.example":                                 checks.Warn,
	} {
		outs := run(t, e.cfg(t, names, map[string]string{UploadsURL: url}), checks.Options{}, seams{}, "storage.cors")
		r := expect(t, outs, "storage.cors", want)
		st := stepNamed(t, r, UploadsURL)
		if st.Status != want || want == checks.Warn && (!strings.Contains(st.Message, "Content-Security-Policy") || !strings.Contains(st.Advice, UploadsURL+"=https://"+names["uploads"]+".s3.us-east-1.amazonaws.com")) {
			t.Errorf("%s: step %+v", url, st)
		}
	}
}

func TestAWSVersityReadOnlyWritesNothing(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{})
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Pass, "read-only")
	}
	e.store.assertEmpty(t, names, false)
}

func TestAWSMinioAllBucketsPassVersioned(t *testing.T) {
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	for _, p := range append([]string{"states"}, suggestVersioning()...) {
		if err := e.store.c.EnableVersioning(testCtx(t), names[p]); err != nil {
			t.Fatal(err)
		}
	}
	outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{})
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Pass)
	}
	expect(t, outs, "storage.versioning", checks.Pass)
	expect(t, outs, "storage.lifecycle", checks.Pass)
	expect(t, outs, "storage.public-access", checks.Pass)
	e.store.assertNoProbes(t, names, true)
}

func TestAWSMinioVersioningOffOnStatesFails(t *testing.T) {
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Fail, names["states"], "aws s3api put-bucket-versioning --bucket "+names["states"])
}

func TestAWSMinioWrongRegion(t *testing.T) {
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.Region: "eu-west-3"}), checks.Options{}, seams{}, "storage.bucket.states", "storage.versioning")
	expect(t, outs, "storage.bucket.states", checks.Fail, "region us-east-1", "Set AWS_REGION (and AWS_DEFAULT_REGION) to us-east-1")
	e.store.assertNoProbes(t, names, true)
}

// TestAWSMinioReadOnlyIdentity uses temporary credentials from MinIO's STS
// with a read-only session policy, passed the standard way
// (AWS_SESSION_TOKEN).
func TestAWSMinioReadOnlyIdentity(t *testing.T) {
	m := requireMinio(t)
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	v, err := readOnlySTS(t, m).GetWithContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.AccessKeyID: v.AccessKeyID, awsenv.SecretAccessKey: v.SecretAccessKey,
		awsenv.SessionToken: v.SessionToken}), checks.Options{}, seams{}, bucketIDs()...)
	for _, p := range purposes() {
		if sparedByDefault(p) {
			expect(t, outs, "storage.bucket."+p, checks.Pass, "no probe object written")
			continue
		}
		expect(t, outs, "storage.bucket."+p, checks.Fail, "access denied", "s3:PutObject on arn:aws:s3:::"+names[p]+"/*", "IAM role")
	}
	noSecret(t, outs, v.SecretAccessKey, v.SessionToken)
	e.store.assertEmpty(t, names, true)
}

func TestAWSDeadline(t *testing.T) {
	isolateAWS(t)
	names := map[string]string{}
	for _, p := range purposes() {
		names[p] = randName(shortPurpose(p))
	}
	e := s3Env{endpoint: "http://" + testsvc.SilentListener(t).Addr(), ak: "AKIDBLACKHOLE", sk: "blackhole-secret"}
	deadlineTest(t, e.cfg(t, names, nil))
}

// TestAWSMinioLeastPrivilege gives the identity what Spacelift's
// least-privilege IAM policy gives the server (spacelift-requirements
// §7.4): s3:ListBucket only on five buckets, no s3:DeleteObject on four.
// HeadBucket is then denied on the others, and the write probe decides.
func TestAWSMinioLeastPrivilege(t *testing.T) {
	m := requireMinio(t)
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	var list, del []string
	for p, n := range names {
		if listGranted(p) {
			list = append(list, `"arn:aws:s3:::`+n+`"`)
		}
		if !noDelete(p) {
			del = append(del, `"arn:aws:s3:::`+n+`/*"`)
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["arn:aws:s3:::spt-*/*"]},` +
		`{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":[` + strings.Join(list, ",") + `]},` +
		`{"Effect":"Allow","Action":["s3:DeleteObject"],"Resource":[` + strings.Join(del, ",") + `]}]}`
	creds, err := credentials.NewSTSAssumeRole("http://"+m.endpoint, credentials.STSAssumeRoleOptions{AccessKey: m.ak, SecretKey: m.sk, Policy: policy, Location: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := creds.GetWithContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.AccessKeyID: v.AccessKeyID, awsenv.SecretAccessKey: v.SecretAccessKey,
		awsenv.SessionToken: v.SessionToken}), checks.Options{}, seams{}, bucketIDs()...)
	for _, p := range purposes() {
		id := "storage.bucket." + p
		if noDelete(p) {
			r := expect(t, outs, id, checks.Warn, "was left", "grants no s3:DeleteObject", "aws s3 rm s3://"+names[p]+"/"+probePrefix)
			// The written object and the one uploaded through the
			// pre-signed PUT URL.
			if k, _ := r.Details.Get("left behind"); !strings.HasPrefix(k, probePrefix) || strings.Count(k, probePrefix) != 2 {
				t.Errorf("%s: left-behind keys %q", id, k)
			}
			continue
		}
		r := expect(t, outs, id, checks.Pass)
		if _, denied := r.Details.Get("exists check"); denied == listGranted(p) {
			t.Errorf("%s: HeadBucket denial noted = %v, want %v", id, denied, !listGranted(p))
		}
	}
	// Exactly the undeletable probes remain, two per such bucket.
	for p, n := range names {
		want := 0
		if noDelete(p) {
			want = 2
		}
		if got := len(keysWithPrefix(e.store.keys(t, n, true))); got != want {
			t.Errorf("bucket %s (%s): %d probe objects left, want %d", n, p, got, want)
		}
	}
}

// TestAWSVersityWrongRegion: versitygw answers the HEAD with a bare 400;
// the check asks GetBucketLocation why, and names the real region.
func TestAWSVersityWrongRegion(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.Region: "eu-west-3"}), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Fail, "region us-east-1", "Set AWS_REGION (and AWS_DEFAULT_REGION) to us-east-1")
}

// TestAWSNoCredentials: the default chain finds nothing (no variables,
// no profile, no instance metadata).
func TestAWSNoCredentials(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	outs := run(t, e.cfg(t, names, map[string]string{awsenv.AccessKeyID: "", awsenv.SecretAccessKey: ""}), checks.Options{}, seams{}, "storage.bucket.states")
	expect(t, outs, "storage.bucket.states", checks.Fail, "no credentials", "default chain")
}
