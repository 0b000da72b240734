package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// expectReadCheck asserts the read check's detail names the answer.
func expectReadCheck(t *testing.T, r checks.Result, id string, fragments ...string) {
	t.Helper()
	rc, ok := r.Details.Get("read check")
	if !ok {
		t.Errorf("%s: no read-check detail in %v", id, r.Details)
		return
	}
	for _, f := range fragments {
		if !strings.Contains(rc, f) {
			t.Errorf("%s: read check %q lacks %q", id, rc, f)
		}
	}
}

// TestAWSVersitySparedWrongSecret: with a wrong secret, HeadBucket gets a
// bare 403 that says nothing of the signature; the read check's answer
// has a body, so the states and modules buckets (no write probe) and every
// bucket under --read-only fail for the signature, not for a missing
// s3:ListBucket. With the right secret they pass on NoSuchKey, and nothing
// is written.
func TestAWSVersitySparedWrongSecret(t *testing.T) {
	e := requireVersity(t)
	names := e.store.createAll(t)
	wrong := "Wr0ng" + e.sk
	for _, ro := range []bool{false, true} {
		ids := []string{"storage.bucket.states", "storage.bucket.modules"}
		if ro {
			ids = bucketIDs()
		}
		outs := run(t, e.cfg(t, names, map[string]string{awsenv.SecretAccessKey: wrong}), checks.Options{ReadOnly: ro}, seams{}, ids...)
		for _, id := range ids {
			r := expect(t, outs, id, checks.Fail, "could not read a key that does not exist", "signature was rejected (SignatureDoesNotMatch", "AWS_SECRET_ACCESS_KEY")
			expectReadCheck(t, r, id, "SignatureDoesNotMatch")
		}
		noSecret(t, outs, wrong, e.sk)

		outs = run(t, e.cfg(t, names, nil), checks.Options{ReadOnly: ro}, seams{}, ids...)
		for _, id := range ids {
			r := expect(t, outs, id, checks.Pass, "exists and is reachable (")
			expectReadCheck(t, r, id, "NoSuchKey", "the bucket exists and the credentials are accepted")
		}
	}
	e.store.assertEmpty(t, names, false)
}

// TestAWSMinioReadCheckPermissions: MinIO's STS with session policies
// gives real identities. A read-only identity passes the read check; one
// that may list but not read fails it for s3:GetObject, which Spacelift
// needs on every bucket.
func TestAWSMinioReadCheckPermissions(t *testing.T) {
	m := requireMinio(t)
	e := requireMinioS3(t)
	names := e.store.createAll(t)
	stsCfg := func(policy string) map[string]string {
		v, err := stsWithPolicy(t, m, policy).GetWithContext(nil)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{awsenv.AccessKeyID: v.AccessKeyID, awsenv.SecretAccessKey: v.SecretAccessKey, awsenv.SessionToken: v.SessionToken}
	}
	spared := []string{"storage.bucket.states", "storage.bucket.modules"}

	readOnly := stsCfg(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::*"]}]}`)
	outs := run(t, e.cfg(t, names, readOnly), checks.Options{}, seams{}, spared...)
	for _, id := range spared {
		expectReadCheck(t, expect(t, outs, id, checks.Pass, "no probe object written"), id, "NoSuchKey")
	}
	outs = run(t, e.cfg(t, names, readOnly), checks.Options{ReadOnly: true}, seams{}, bucketIDs()...)
	for _, id := range bucketIDs() {
		expectReadCheck(t, expect(t, outs, id, checks.Pass, "read-only: no probe object written"), id, "NoSuchKey")
	}

	listOnly := stsCfg(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::*"]}]}`)
	outs = run(t, e.cfg(t, names, listOnly), checks.Options{}, seams{}, spared...)
	for _, p := range []string{"states", "modules"} {
		id := "storage.bucket." + p
		r := expect(t, outs, id, checks.Fail, "could not read a key that does not exist", "access denied (AccessDenied", "s3:GetObject on arn:aws:s3:::"+names[p]+"/*")
		expectReadCheck(t, r, id, "AccessDenied")
	}
	e.store.assertEmpty(t, names, true)
}

// TestGCSReadCheck: the emulator answers a read of a missing object with
// 404 (it authenticates nothing, so a wrong credential cannot be shown).
func TestGCSReadCheck(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	outs := run(t, g.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{}, bucketIDs()...)
	for _, id := range bucketIDs() {
		expectReadCheck(t, expect(t, outs, id, checks.Pass, "read-only: no probe object written"), id, "noSuchObject, HTTP 404", "credentials are accepted")
	}
	g.assertEmpty(t, names)
}

// TestAzureReadCheck: Azurite answers a read of a missing blob with
// BlobNotFound; a SAS that may read containers but not blobs passes the
// container check and fails the read check, naming the read permission.
func TestAzureReadCheck(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.bucket.states", "storage.bucket.modules")
	for _, id := range []string{"storage.bucket.states", "storage.bucket.modules"} {
		expectReadCheck(t, expect(t, outs, id, checks.Pass, "no probe object written"), id, "BlobNotFound, HTTP 404", "credentials are accepted")
	}

	// An account SAS for the service and containers, not their blobs.
	sasURL, err := a.svc.GetSASURL(sas.AccountResourceTypes{Service: true, Container: true},
		sas.AccountPermissions{Read: true, List: true}, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn := "BlobEndpoint=" + a.url + ";SharedAccessSignature=" + sasURL[strings.IndexByte(sasURL, '?')+1:]
	outs = run(t, a.cfg(t, names, map[string]string{AzureConnectionString: conn}), checks.Options{}, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Fail, "could not read a key that does not exist", "access denied", "blobs/read")
	expectReadCheck(t, r, "storage.bucket.states", "AuthorizationResourceTypeMismatch")
	a.assertEmpty(t, names)
}

// TestReadVerdictListDenied: real S3 answers a read of a missing key with
// AccessDenied, not NoSuchKey, to an identity without s3:ListBucket (MinIO
// and versitygw answer NoSuchKey, so only this unit test reaches it): the
// bucket stays unconfirmed, as after the denied HeadBucket alone, but a
// denial with an error code says the credentials are accepted.
func TestReadVerdictListDenied(t *testing.T) {
	cfg := testCfg(t, nil)
	s := &suite{cfg: cfg, flavour: flavourFor("aws", cfg, awsenv.New(cfg), seams{})}
	states := namedBucket{Name: "st", Purposes: []string{"states"}}
	uploads := namedBucket{Name: "up", Purposes: []string{"uploads"}}
	spared, ro := &noWrite{why: "it holds Terraform state"}, &noWrite{readOnly: true}
	denied := &opError{Kind: kindDenied, Code: "AccessDenied", Status: 403}
	cases := []struct {
		name       string
		nb         namedBucket
		nw         *noWrite
		listDenied bool
		e          *opError
		want       checks.Status
		has, lacks []string
	}{
		{"spared, denied with a code", states, spared, true, denied, checks.Warn,
			[]string{"could not confirm it exists", "the credentials are accepted", "s3:ListBucket on arn:aws:s3:::st and s3:GetObject on arn:aws:s3:::st/*", "--probe-all-buckets writes one"}, nil},
		{"spared, bare 403", states, spared, true, &opError{Kind: kindDenied, Status: 403}, checks.Warn,
			[]string{"could not confirm it exists"}, []string{"credentials are accepted"}},
		{"read-only, denied", uploads, ro, true, denied, checks.Warn,
			[]string{"--read-only forbids the write probe", "the credentials are accepted", "s3:ListBucket on arn:aws:s3:::up to let this check"}, nil},
		{"listing denied where Spacelift lists", states, spared, true, &opError{Kind: kindNoObject, Code: "NoSuchKey", Status: 404}, checks.Warn,
			[]string{"listing it is denied", "s3:ListBucket on arn:aws:s3:::st"}, nil},
		{"listing denied where Spacelift does not list", uploads, ro, true, &opError{Kind: kindNoObject, Code: "NoSuchKey", Status: 404}, checks.Pass,
			[]string{"exists and is reachable (read-only"}, nil},
		{"signature after a denied HeadBucket", states, spared, true, &opError{Kind: kindSignature, Code: "SignatureDoesNotMatch", Status: 403}, checks.Fail,
			[]string{"signature was rejected", "AWS_SECRET_ACCESS_KEY"}, nil},
		{"denied after HeadBucket passed", states, spared, false, denied, checks.Fail,
			[]string{"access denied", "s3:GetObject on arn:aws:s3:::st/*"}, []string{"s3:ListBucket"}},
		{"no such bucket", states, spared, true, &opError{Kind: kindNoBucket, Code: "NoSuchBucket", Status: 404}, checks.Fail,
			[]string{"does not exist", "Create the bucket"}, nil},
	}
	for _, c := range cases {
		r := s.readVerdict(c.nb, c.nw, c.listDenied, c.e)
		text := r.Message + "\n" + r.Advice
		if r.Status != c.want {
			t.Errorf("%s: status %s, want %s: %s", c.name, r.Status, c.want, text)
		}
		for _, h := range c.has {
			if !strings.Contains(text, h) {
				t.Errorf("%s: %q lacks %q", c.name, text, h)
			}
		}
		for _, l := range c.lacks {
			if strings.Contains(text, l) {
				t.Errorf("%s: %q has %q", c.name, text, l)
			}
		}
	}
}
