package storage

import (
	"context"
	"fmt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

func allBuckets() map[string]string {
	names := map[string]string{}
	for _, p := range purposes() {
		names[p] = "b-" + p
	}
	return names
}

func TestRegisterIDsAndDisabled(t *testing.T) {
	want := append(bucketIDs(), "storage.versioning", "storage.lifecycle", "storage.cors", "storage.public-access")
	cases := []struct {
		name     string
		kv       map[string]string
		disabled map[string]string // id -> fragment of Disabled; others enabled
	}{
		{"aws with everything", merge(bucketVars(allBuckets()), map[string]string{configcheck.ServerDomain: "s.example"}), nil},
		{"cors needs the server domain", bucketVars(allBuckets()), map[string]string{"storage.cors": configcheck.ServerDomain}},
		{"one bucket unset", merge(bucketVars(allBuckets()), map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "", configcheck.ServerDomain: "s"}),
			map[string]string{"storage.bucket.states": "OBJECT_STORAGE_BUCKET_STATES is not set"}},
		{"minio without endpoint", merge(bucketVars(allBuckets()), map[string]string{TypeVar: "minio", configcheck.ServerDomain: "s"}),
			map[string]string{"*": MinioEndpoint + " is not set"}},
		{"azure without account URL", merge(bucketVars(allBuckets()), map[string]string{TypeVar: "azure", configcheck.ServerDomain: "s"}),
			map[string]string{"*": AzureAccountURL + " is not set"}},
		{"unknown type", merge(bucketVars(allBuckets()), map[string]string{TypeVar: "ceph", configcheck.ServerDomain: "s"}),
			map[string]string{"*": `"ceph" is not one of`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testCfg(t, c.kv)
			p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{})
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, ch := range p.Checks() {
				ids = append(ids, ch.ID)
				if ch.Group != Group {
					t.Errorf("%s: group %q", ch.ID, ch.Group)
				}
				frag, ok := c.disabled[ch.ID]
				if f, all := c.disabled["*"]; all {
					frag, ok = f, true
				}
				switch {
				case ok && !strings.Contains(ch.Disabled, frag):
					t.Errorf("%s: Disabled = %q, want it to contain %q", ch.ID, ch.Disabled, frag)
				case !ok && ch.Disabled != "":
					t.Errorf("%s: unexpectedly disabled: %s", ch.ID, ch.Disabled)
				}
			}
			if !slices.Equal(ids, want) {
				t.Errorf("IDs = %v, want %v", ids, want)
			}
		})
	}
}

// TestDocPages: every check has its page with the standard sections.
func TestDocPages(t *testing.T) {
	p := checks.Build([]checks.Backend{Backend{}}, testCfg(t, nil), checks.Options{})
	for _, c := range p.Checks() {
		path := filepath.Join("..", "..", "..", "docs", "checks", c.DocPage()+".md")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		for _, h := range []string{"## What it checks", "## Why Spacelift needs it", "## Verdicts", "## How to fix"} {
			if !strings.Contains(string(data), h) {
				t.Errorf("%s: %s lacks %q", c.ID, path, h)
			}
		}
		if c.DocPage() != c.ID && !strings.Contains(string(data), c.ID) {
			t.Errorf("%s: shared page %s does not mention it", c.ID, path)
		}
	}
}

func TestCorsRefusal(t *testing.T) {
	const origin = "https://spacelift.example.com"
	resp := func(code int, kv ...string) *http.Response {
		r := &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Header: http.Header{}}
		for i := 0; i < len(kv); i += 2 {
			r.Header.Set(kv[i], kv[i+1])
		}
		return r
	}
	all := []string{"Access-Control-Allow-Origin", origin, "Access-Control-Allow-Methods", "PUT, POST", "Access-Control-Allow-Headers", "Content-Type"}
	cases := []struct {
		name   string
		resp   *http.Response
		method string
		want   string // fragment of the refusal; "" for allowed
	}{
		{"everything listed", resp(200, all...), "PUT", ""},
		{"wildcards", resp(204, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Methods", "*", "Access-Control-Allow-Headers", "*"), "PUT", ""},
		{"POST is safelisted", resp(200, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "content-type"), "POST", ""},
		{"PUT is not", resp(200, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Headers", "content-type"), "PUT", "does not include PUT"},
		{"no header allowed", resp(200, "Access-Control-Allow-Origin", origin, "Access-Control-Allow-Methods", "PUT"), "PUT", "does not include Content-Type"},
		{"other origin", resp(200, "Access-Control-Allow-Origin", "https://other.example.com", "Access-Control-Allow-Methods", "PUT", "Access-Control-Allow-Headers", "*"), "PUT", "not " + origin},
		{"refused status", resp(403), "POST", "403 Forbidden"},
	}
	for _, c := range cases {
		if got := corsRefusal(c.resp, origin, c.method); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: refusal %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCanonicalHost(t *testing.T) {
	for _, c := range []struct{ scheme, host, want string }{
		{"https", "Up.S3.eu-west-1.amazonaws.com:443", "up.s3.eu-west-1.amazonaws.com"},
		{"http", "minio:80", "minio"},
		{"https", "minio:9000", "minio:9000"},
		{"http", "minio:443", "minio:443"},
	} {
		if got := canonicalHost(c.scheme, c.host); got != c.want {
			t.Errorf("canonicalHost(%s, %s) = %s, want %s", c.scheme, c.host, got, c.want)
		}
	}
}

func TestFromCode(t *testing.T) {
	cases := []struct {
		code   string
		status int
		msg    string
		want   kind
		region string
	}{
		{"NoSuchBucket", 404, "", kindNoBucket, ""},
		{"NoSuchKey", 404, "", kindNoObject, ""},
		{"BlobNotFound", 404, "", kindNoObject, ""},
		{"AccessDenied", 403, "", kindDenied, ""},
		{"SignatureDoesNotMatch", 403, "", kindSignature, ""},
		{"InvalidAccessKeyId", 403, "", kindSignature, ""},
		{"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.", kindSkew, ""},
		{"AuthorizationHeaderMalformed", 400, "the region 'us-east-1' is wrong; expecting 'eu-central-1'", kindRegion, "eu-central-1"},
		{"AuthorizationHeaderMalformed", 400, `the region "eu-west-3" is wrong; expecting "us-east-1"`, kindRegion, "us-east-1"},
		{"PermanentRedirect", 301, "", kindRegion, ""},
		{"ExpiredToken", 400, "", kindExpiredCredentials, ""},
		{"AuthorizationPermissionMismatch", 403, "", kindDenied, ""},
		{"ContainerNotFound", 404, "", kindNoBucket, ""},
		{"AuthenticationFailed", 403, "", kindSignature, ""},
		{"", 403, "", kindDenied, ""},
		{"", 501, "", kindUnsupported, ""},
		{"InternalError", 500, "We encountered an internal error.", kindOther, ""},
	}
	for _, c := range cases {
		e := fromCode(c.code, c.status, c.msg)
		if e.Kind != c.want || e.Region != c.region {
			t.Errorf("fromCode(%q, %d) = kind %d region %q; want %d %q", c.code, c.status, e.Kind, e.Region, c.want, c.region)
		}
	}
}

func TestFromHTTPResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/skew":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0"?><Error><Code>RequestTimeTooSkewed</Code><Message>too large</Message></Error>`))
		case "/region":
			w.WriteHeader(http.StatusMovedPermanently)
			_, _ = w.Write([]byte(`<Error><Code>PermanentRedirect</Code><Region>ap-south-1</Region></Error>`))
		case "/azure":
			w.Header().Set("x-ms-error-code", "AuthorizationPermissionMismatch")
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	for path, want := range map[string]kind{"/skew": kindSkew, "/region": kindRegion, "/azure": kindDenied} {
		_, err := fetch(context.Background(), &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, srv.URL+path)
		e := asOpError(err)
		if e.Kind != want {
			t.Errorf("%s: kind %d (%v), want %d", path, e.Kind, e, want)
		}
		if path == "/region" && e.Region != "ap-south-1" {
			t.Errorf("region = %q", e.Region)
		}
	}
}

// TestClassifyTransport uses real failures: a closed port, an untrusted
// certificate, an expired context.
func TestClassifyTransport(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	_, err = fetch(context.Background(), &http.Client{}, "http://"+closed+"/x")
	if e := asOpError(err); e.Kind != kindNetwork || !strings.Contains(e.Text, "refused") {
		t.Errorf("closed port: %+v", e)
	}

	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	_, err = fetch(context.Background(), &http.Client{}, tlsSrv.URL)
	if e := asOpError(err); e.Kind != kindTLS || !strings.Contains(e.Text, "unknown authority") {
		t.Errorf("untrusted certificate: %+v", e)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	_, err = fetch(ctx, &http.Client{}, "http://"+closed+"/x")
	if e := asOpError(err); e.Kind != kindTimeout || statusOf(e.Kind) != checks.Error {
		t.Errorf("expired context: %+v", e)
	}
}

func TestSanitize(t *testing.T) {
	in := `GET https://acct.blob.core.windows.net/c/b?sv=2024&sig=SECRETSIG%3D&se=x failed; AccountKey=SECRETKEY==;BlobEndpoint=x X-Amz-Signature=abc123`
	out := sanitize(in)
	for _, s := range []string{"SECRETSIG", "SECRETKEY", "abc123"} {
		if strings.Contains(out, s) {
			t.Errorf("sanitize left %q in %q", s, out)
		}
	}
	if !strings.Contains(out, "https://acct.blob.core.windows.net/c/b") {
		t.Errorf("sanitize lost the safe part: %q", out)
	}
}

func TestLifecycleFindings(t *testing.T) {
	s := &suite{flavour: awsFlavour{}}
	cases := []struct {
		name     string
		purposes []string
		rules    []expiryRule
		want     checks.Status
		frag     string
	}{
		{"no rule on states", []string{"states"}, nil, checks.Pass, "no expiry rule"},
		{"any expiry on states", []string{"states"}, []expiryRule{{ID: "r", Days: 3650}}, checks.Fail, "3650 days"},
		{"prefix expiry on modules", []string{"modules"}, []expiryRule{{ID: "r", Days: 2, Prefix: "spacelift-states"}}, checks.Fail, "under prefix spacelift-states"},
		{"run logs shorter than 60 days", []string{"run-logs"}, []expiryRule{{Days: 30}}, checks.Warn, "60 days"},
		{"run logs as documented", []string{"run-logs"}, []expiryRule{{Days: 60}}, checks.Pass, "60 days"},
		{"deliveries one day", []string{"deliveries"}, []expiryRule{{Days: 1}}, checks.Pass, "1 day"},
		{"date rule", []string{"uploads"}, []expiryRule{{Date: "2027-01-01"}}, checks.Warn, "2027-01-01"},
		{"shared bucket keeps the longest", []string{"deliveries", "workspace"}, []expiryRule{{Days: 2}}, checks.Warn, "7 days"},
		{"shared with states", []string{"metadata", "states"}, []expiryRule{{Days: 2}}, checks.Fail, "loses data"},
	}
	for _, c := range cases {
		step := s.lifecycleStep(namedBucket{Name: "b", Purposes: c.purposes}, c.rules)
		if step.Status != c.want || !strings.Contains(step.Message, c.frag) || step.Name != "b ("+strings.Join(c.purposes, ", ")+")" {
			t.Errorf("%s: %+v", c.name, step)
		}
	}
}

func TestGCSExpiryRules(t *testing.T) {
	del := storage.LifecycleAction{Type: storage.DeleteAction}
	got := gcsExpiryRules([]storage.LifecycleRule{
		{Action: del, Condition: storage.LifecycleCondition{AgeInDays: 7, MatchesPrefix: []string{"a/"}}},
		{Action: del, Condition: storage.LifecycleCondition{DaysSinceNoncurrentTime: 30}},
		{Action: del, Condition: storage.LifecycleCondition{NumNewerVersions: 3}},
		{Action: del, Condition: storage.LifecycleCondition{AgeInDays: 1, Liveness: storage.Archived}},
		{Action: storage.LifecycleAction{Type: storage.SetStorageClassAction, StorageClass: "NEARLINE"}, Condition: storage.LifecycleCondition{AgeInDays: 30}},
		{Action: del, Condition: storage.LifecycleCondition{CreatedBefore: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)}},
	})
	want := []expiryRule{{ID: "#1", Prefix: "a/", Days: 7}, {ID: "#6", Date: "2027-01-02"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// removeFake records the removals removeProbe asks for; only remove is
// implemented, the rest of the interface is not used by removeProbe.
type removeFake struct {
	backend
	calls  []string
	refuse func(version string, call int) error
}

func (f *removeFake) remove(_ context.Context, _, _, version string) error {
	f.calls = append(f.calls, "v="+version)
	return f.refuse(version, len(f.calls))
}

func TestRemoveProbeOrder(t *testing.T) {
	denied := &opError{Kind: kindDenied, Code: "AccessDenied"}
	cases := []struct {
		name      string
		version   string
		refuse    func(string, int) error
		calls     []string
		wantNote  bool
		wantError bool
	}{
		{"unversioned", "", func(string, int) error { return nil }, []string{"v="}, false, false},
		{"version delete allowed", "v1", func(string, int) error { return nil }, []string{"v=v1"}, false, false},
		// S3 without s3:DeleteObjectVersion: hidden behind a delete marker.
		{"version delete denied", "v1", func(v string, _ int) error {
			if v != "" {
				return denied
			}
			return nil
		}, []string{"v=v1", "v=", "v=v1"}, true, false},
		// Azure: the current version cannot be deleted by ID, a previous one can.
		{"current version refused", "v1", func(v string, call int) error {
			if call == 1 {
				return &opError{Kind: kindOther, Code: "OperationNotAllowedOnRootBlob"}
			}
			return nil
		}, []string{"v=v1", "v=", "v=v1"}, false, false},
		{"delete denied", "", func(string, int) error { return denied }, []string{"v="}, false, true},
	}
	for _, c := range cases {
		f := &removeFake{refuse: c.refuse}
		note, err := removeProbe(context.Background(), f, "b", "k", c.version)
		if !slices.Equal(f.calls, c.calls) || (note != "") != c.wantNote || (err != nil) != c.wantError {
			t.Errorf("%s: calls %v note %q err %v", c.name, f.calls, note, err)
		}
	}
}

// TestPermissionAdvice: a denial names the permission each backend needs.
func TestPermissionAdvice(t *testing.T) {
	cases := []struct {
		flavour string
		kv      map[string]string
		o       op
		want    []string
	}{
		{"aws", nil, opPut, []string{"s3:PutObject on arn:aws:s3:::b/*"}},
		{"aws", map[string]string{awsenv.Partition: "aws-us-gov"}, opGet, []string{"s3:GetObject on arn:aws-us-gov:s3:::b/*"}},
		{"aws", nil, opExists, []string{"s3:ListBucket on arn:aws:s3:::b"}},
		{"aws", nil, opVersioning, []string{"s3:GetBucketVersioning on arn:aws:s3:::b"}},
		{"aws", nil, opFetch, []string{"s3:GetObject", "pre-signed URL carries the signer's permissions"}},
		{"minio", map[string]string{awsenv.Partition: "aws-cn"}, opDelete, []string{"s3:DeleteObject on arn:aws:s3:::b/*", "mc admin policy attach"}},
		{"gcp", nil, opPut, []string{"storage.objects.create", "roles/storage.objectAdmin"}},
		{"gcp", nil, opPresign, []string{"roles/iam.serviceAccountTokenCreator"}},
		{"gcp", nil, opLifecycle, []string{"storage.buckets.get"}},
		{"azure", nil, opPut, []string{"Storage Blob Data Contributor", "blobs/write"}},
		{"azure", nil, opPresign, []string{"generateUserDelegationKey"}},
	}
	for _, c := range cases {
		cfg := testCfg(t, c.kv)
		s := &suite{cfg: cfg, flavour: flavourFor(c.flavour, cfg, awsenv.New(cfg), seams{})}
		got := s.advice(c.o, "b", &opError{Kind: kindDenied, Code: "AccessDenied"})
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s: %q lacks %q", c.flavour, c.o, got, w)
			}
		}
	}
}
