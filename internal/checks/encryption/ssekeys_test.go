package encryption_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc/awsfake"
)

// sseBackends adds the two backends whose resources may be encrypted.
func sseBackends() []checks.Backend {
	return []checks.Backend{storage.Backend{}, encryption.Backend{}, jwt.Backend{}, queue.Backend{}, awsenv.Backend{}}
}

func ssePlan(t *testing.T, vars map[string]string) *checks.Plan {
	t.Helper()
	cfg, err := config.FromMap(checks.MustCatalog(sseBackends()), vars, config.Source{Kind: config.FromEnv})
	if err != nil {
		t.Fatal(err)
	}
	return checks.Build(sseBackends(), cfg, checks.Options{})
}

// s3EncryptionProxy forwards to MinIO, which has no KMS and so no bucket
// encryption, but answers GetBucketEncryption itself for the buckets in
// answers: an SSE-KMS configuration naming a key, or an error code. It
// verifies those requests' signatures as S3 would.
func s3EncryptionProxy(t *testing.T, minio, keyID, secret string, answers map[string]string) string {
	t.Helper()
	u, err := url.Parse("http://" + minio)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket := strings.Trim(r.URL.Path, "/")
		answer, mine := answers[bucket]
		if r.Method != http.MethodGet || !r.URL.Query().Has("encryption") || !mine {
			rp.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/xml")
		if msg := awsfake.Verify(r, body, keyID, secret, "us-east-1", "s3"); msg != "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<Error><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error>`, msg)
			return
		}
		if code, denied := strings.CutPrefix(answer, "error:"); denied {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<Error><Code>%s</Code><Message>Access Denied</Message></Error>`, code)
			return
		}
		fmt.Fprintf(w, `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>%s</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sseFixture: buckets in MinIO (behind the proxy) and queues in
// local-aws-sqs, encrypted with local-kms keys.
type sseFixture struct {
	vars                  map[string]string
	master, disabled      testKey
	stateBucket           string
	kms                   kmsEnv
	minioKey, minioSecret string
	sqsEndpoint           string
	suffix                string
}

func newSSEFixture(t *testing.T) *sseFixture {
	t.Helper()
	e := localKMS(t)
	v := testsvc.RequireMap(t, "SPT_SQS_ENDPOINT", "SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY")
	f := &sseFixture{kms: e, minioKey: v["SPT_MINIO_ACCESS_KEY"], minioSecret: v["SPT_MINIO_SECRET_KEY"], sqsEndpoint: v["SPT_SQS_ENDPOINT"]}
	t.Setenv("AWS_ENDPOINT_URL_SQS", f.sqsEndpoint)
	f.master = e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	f.disabled = e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	e.disable(t, f.disabled)
	f.suffix = strings.ToLower(strings.TrimPrefix(f.master.alias, "alias/spt-"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds := credentials.NewStaticCredentialsProvider(f.minioKey, f.minioSecret, "")

	// Buckets: one encrypted with the master key, one plain (MinIO's real
	// "no configuration" answer), one whose encryption is denied, one
	// missing.
	sc := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + v["SPT_MINIO_ENDPOINT"]), UsePathStyle: true, Credentials: creds})
	f.stateBucket = "spt-sse-states-" + f.suffix
	plain, denied := "spt-sse-modules-"+f.suffix, "spt-sse-logs-"+f.suffix
	for _, b := range []string{f.stateBucket, plain, denied} {
		if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	proxy := s3EncryptionProxy(t, v["SPT_MINIO_ENDPOINT"], f.minioKey, f.minioSecret, map[string]string{f.stateBucket: f.master.arn, denied: "error:AccessDenied"})
	f.vars = map[string]string{
		awsenv.Region: "us-east-1", awsenv.AccountID: e.account, awsenv.AccessKeyID: f.minioKey, awsenv.SecretAccessKey: f.minioSecret,
		encryption.TypeVar: "rsa", storage.TypeVar: "aws", storage.AWSEndpointURLS3: proxy, queue.TypeVar: "sqs",
		"OBJECT_STORAGE_BUCKET_STATES": f.stateBucket, "OBJECT_STORAGE_BUCKET_MODULES": plain,
		"OBJECT_STORAGE_BUCKET_RUN_LOGS": denied, "OBJECT_STORAGE_BUCKET_UPLOADS": "spt-sse-missing-" + f.suffix,
	}
	// Queues: the IoT queue shares the master key (by alias), the async
	// queue uses the disabled key, webhooks the AWS managed key, and the
	// cronjobs URL names no queue.
	qc := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.sqsEndpoint), Credentials: creds})
	for _, q := range queue.Queues() {
		attrs := map[string]string{}
		name := "spt-sse-" + f.suffix + "-" + q.Name
		if q.FIFO {
			attrs["FifoQueue"], name = "true", name+".fifo"
		}
		switch q.Name {
		case "iot":
			attrs["KmsMasterKeyId"] = f.master.alias
		case "async":
			attrs["KmsMasterKeyId"] = f.disabled.arn
		case "webhooks":
			attrs["KmsMasterKeyId"] = "alias/aws/sqs"
		case "cronjobs":
			f.vars[q.Var] = f.sqsEndpoint + "/000000000000/spt-sse-missing-" + f.suffix
			continue
		}
		out, err := qc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		f.vars[q.Var] = aws.ToString(out.QueueUrl)
	}
	return f
}

func TestSSEKeysReportsEachKeyAndWhoUsesIt(t *testing.T) {
	f := newSSEFixture(t)
	res := runCheck(t, ssePlan(t, f.vars), encryption.IDSSEKeys, checkTimeout)
	assertNoSecret(t, res, f.minioSecret)
	wantStatus(t, res, checks.Fail, "KMS key "+f.disabled.arn+", which encrypts async queue, is Disabled", "aws kms enable-key --key-id "+f.disabled.arn)
	steps := map[string]checks.Step{}
	for _, s := range res.Steps {
		steps[s.Name] = s
	}
	for name, want := range map[string]struct {
		status checks.Status
		text   string
	}{
		"KMS key " + f.master.arn:                           {checks.Pass, "encrypts bucket " + f.stateBucket + " (states); this identity may kms:GenerateDataKey and kms:Decrypt"},
		"KMS key " + f.master.alias:                         {checks.Pass, f.master.arn + " encrypts iot queue"},
		"bucket spt-sse-modules-" + f.suffix + " (modules)": {checks.Pass, "not encrypted with a KMS key"},
		"bucket spt-sse-logs-" + f.suffix + " (run-logs)":   {checks.Warn, "could not read its encryption"},
		"bucket spt-sse-missing-" + f.suffix + " (uploads)": {checks.Skip, "not checked: storage.bucket.uploads reports it"},
		"cronjobs queue":                                    {checks.Skip, "not checked: queue.sqs.cronjobs reports it"},
		"webhooks queue":                                    {checks.Pass, "AWS managed key alias/aws/sqs"},
		"dlq queue":                                         {checks.Pass, "not encrypted with a KMS key"},
	} {
		s, ok := steps[name]
		if !ok || s.Status != want.status || !strings.Contains(s.Message, want.text) {
			t.Errorf("step %q = %+v, want %s with %q", name, s, want.status, want.text)
		}
	}
}

func TestSSEKeysFailsWhenTheDataKeyIsDenied(t *testing.T) {
	f := newSSEFixture(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", denyingProxy(t, f.kms.endpoint, "GenerateDataKey"))
	res := runCheck(t, ssePlan(t, f.vars), encryption.IDSSEKeys, checkTimeout)
	var found bool
	for _, s := range res.Steps {
		if s.Name == "KMS key "+f.master.arn {
			found = true
			if s.Status != checks.Fail || !strings.Contains(s.Message, "access denied: kms:GenerateDataKey on "+f.master.arn+" (it encrypts bucket "+f.stateBucket) ||
				!strings.Contains(s.Advice, "Allow kms:GenerateDataKey on "+f.master.arn) {
				t.Errorf("step %+v", s)
			}
		}
	}
	if !found || res.Status != checks.Fail {
		t.Errorf("status %s, steps %+v", res.Status, res.Steps)
	}
}

func TestSSEKeysSkipsWithoutBucketsOrQueuesInAWS(t *testing.T) {
	msgtestIsolate(t)
	p := ssePlan(t, map[string]string{awsenv.Region: "eu-west-1", encryption.TypeVar: "kms", storage.TypeVar: "minio", queue.TypeVar: "postgres"})
	res := runCheck(t, p, encryption.IDSSEKeys, checkTimeout)
	wantStatus(t, res, checks.Skip, "no S3 bucket or SQS queue is configured")

	p = ssePlan(t, map[string]string{encryption.TypeVar: "rsa", storage.TypeVar: "minio", queue.TypeVar: "postgres"})
	if c := find(t, p, encryption.IDSSEKeys); c.Disabled == "" {
		t.Error("encryption.sse-keys is enabled although nothing uses AWS")
	}
}

func msgtestIsolate(t *testing.T) { useEndpoint(t, "http://"+testsvc.ClosedAddr(t)) }
