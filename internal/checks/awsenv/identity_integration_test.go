package awsenv_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc/awsfake"
)

// TestIdentityDerivesTheKeysOfEncryptedQueuesAndBuckets runs aws.identity
// against real S3 (MinIO), SQS (local-aws-sqs) and KMS (local-kms) servers,
// with STS and IAM faked: the queues' KmsMasterKeyId (one an alias, which
// only KMS can resolve) and the buckets' default encryption decide which
// roles need the key, the IoT topic rule's role included.
func TestIdentityDerivesTheKeysOfEncryptedQueuesAndBuckets(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_SQS_ENDPOINT", "SPT_KMS_ENDPOINT", "SPT_KMS_REGION", "SPT_KMS_ACCOUNT",
		"SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY")
	msgtest.IsolateAWS(t)
	// MinIO wants requests signed for us-east-1; local-kms's ARNs say
	// SPT_KMS_REGION, so the queues name the key by its ARNs.
	region, kmsRegion, acct := "us-east-1", v["SPT_KMS_REGION"], v["SPT_KMS_ACCOUNT"]
	ak, sk := v["SPT_MINIO_ACCESS_KEY"], v["SPT_MINIO_SECRET_KEY"]
	t.Setenv("AWS_ENDPOINT_URL_SQS", v["SPT_SQS_ENDPOINT"])
	t.Setenv("AWS_ENDPOINT_URL_KMS", v["SPT_KMS_ENDPOINT"])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	creds := credentials.NewStaticCredentialsProvider(ak, sk, "")
	suffix := uniq()

	// The master key, named by an alias on the IoT queue and by its ARN
	// on the async queue.
	kc := kms.New(kms.Options{Region: kmsRegion, BaseEndpoint: aws.String(v["SPT_KMS_ENDPOINT"]), Credentials: creds})
	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	master, alias := aws.ToString(key.KeyMetadata.Arn), "alias/spt-master-"+suffix
	aliasARN := "arn:aws:kms:" + kmsRegion + ":" + acct + ":" + alias
	if _, err := kc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	qc := sqs.New(sqs.Options{Region: region, BaseEndpoint: aws.String(v["SPT_SQS_ENDPOINT"]), Credentials: creds})
	vars := map[string]string{
		awsenv.Region: region, awsenv.DefaultRegion: region, awsenv.AccountID: acct,
		awsenv.AccessKeyID: ak, awsenv.SecretAccessKey: sk,
		encryption.TypeVar: "rsa", queue.TypeVar: "sqs", mqtt.BrokerType: "iotcore",
		storage.TypeVar: "aws", storage.AWSEndpointURLS3: "http://" + v["SPT_MINIO_ENDPOINT"],
	}
	queueARN := map[string]string{}
	for _, q := range queue.Queues() {
		attrs := map[string]string{}
		name := suffix + "-" + q.Name
		if q.FIFO {
			attrs["FifoQueue"], name = "true", name+".fifo"
		}
		switch q.Name {
		case "iot":
			attrs["KmsMasterKeyId"] = aliasARN
		case "async":
			attrs["KmsMasterKeyId"] = master
		}
		out, err := qc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		vars[q.Var] = aws.ToString(out.QueueUrl)
		queueARN[q.Name] = queue.ARN(vars[q.Var], "aws", region)
	}
	// A bucket without default encryption (MinIO has no KMS) and one that
	// does not exist.
	sc := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String("http://" + v["SPT_MINIO_ENDPOINT"]), UsePathStyle: true, Credentials: creds})
	states := "spt-states-" + suffix
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(states)}); err != nil {
		t.Fatal(err)
	}
	vars["OBJECT_STORAGE_BUCKET_STATES"] = states
	vars["OBJECT_STORAGE_BUCKET_UPLOADS"] = "spt-missing-" + suffix

	drain := "arn:aws:iam::" + acct + ":role/spacelift-drain"
	scheduler := "arn:aws:iam::" + acct + ":role/spacelift-scheduler"
	iotRule := "arn:aws:iam::" + acct + ":role/spacelift-iot"
	server := "arn:aws:iam::" + acct + ":role/spacelift-server"
	vars[awsenv.RoleDrain], vars[awsenv.RoleScheduler], vars[awsenv.RoleIoTRule] = drain, scheduler, iotRule
	f := awsfake.NewIAM(t, region)
	f.AddCaller(ak, sk, "arn:aws:sts::"+acct+":assumed-role/spacelift-server/s1")
	for _, p := range []string{server, drain, scheduler} {
		allowAll(f, p)
	}
	f.Deny(server, []string{"kms:GenerateDataKey"}, master)
	f.Allow(iotRule, []string{"sqs:SendMessage"}, queueARN["iot"])
	f.Allow(iotRule, []string{"kms:Decrypt"}, master)
	f.Start()

	o := identity(t, vars, time.Minute)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail,
		"server: "+server+" may not kms:GenerateDataKey (explicitDeny) on KMS key "+master+" that encrypts async queue, KMS key "+aliasARN+" that encrypts iot queue ("+master+")",
		"iot-rule: "+iotRule+" may not kms:GenerateDataKey (implicitDeny) on KMS key "+aliasARN+" that encrypts iot queue ("+master+")",
		"drain: "+drain+" may perform all", "scheduler: "+scheduler+" may perform all",
		"encryption at rest not read: bucket spt-missing-"+suffix+" (uploads) (storage.bucket.uploads reports it)")
	if strings.Contains(msgtest.Text(o.Result), "bucket "+states) {
		t.Errorf("the states bucket, which has no default encryption, is reported:\n%s", msgtest.Text(o.Result))
	}

	sims := map[string][]awsfake.Simulation{}
	for _, s := range f.Simulations() {
		sims[s.Principal] = append(sims[s.Principal], s)
	}
	simulated := func(p, resource string, actions ...string) bool {
		for _, s := range sims[p] {
			if s.Resources[0] == resource && slices.Equal(s.Actions, actions) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		who, principal, resource string
		actions                  []string
	}{
		{"iot-rule", iotRule, queueARN["iot"], []string{"sqs:SendMessage"}},
		{"iot-rule", iotRule, master, []string{"kms:Decrypt", "kms:GenerateDataKey"}},
		{"drain", drain, master, []string{"kms:Decrypt", "kms:GenerateDataKey"}},
		{"drain", drain, queueARN["dlq"], []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}},
		{"server", server, "arn:aws:s3:::" + states, []string{"s3:ListBucket", "s3:ListBucketVersions"}},
		{"server", server, "*", []string{"iot:DeleteCertificate", "iot:DeletePolicy", "iot:DetachPolicy", "iot:DetachPrincipalPolicy", "iot:UpdateCertificate", "iot:DescribeCertificate", "iot:GetPolicy",
			"iot:AttachPolicy", "iot:AttachPrincipalPolicy", "iot:CreateCertificateFromCsr", "iot:RegisterCertificateWithoutCA", "iot:CreateKeysAndCertificate", "iot:CreatePolicy"}},
		{"scheduler", scheduler, queueARN["cronjobs"], []string{"sqs:SendMessage"}},
	} {
		if !simulated(c.principal, c.resource, c.actions...) {
			t.Errorf("%s: %v on %s was not simulated; simulations: %+v", c.who, c.actions, c.resource, sims[c.principal])
		}
	}
	// The scheduler sends only to the unencrypted cronjobs queue: it needs
	// no grant on the master key.
	for _, s := range sims[scheduler] {
		if s.Resources[0] == master {
			t.Error("the scheduler was simulated on the master key it does not need")
		}
	}
	if strings.Contains(msgtest.Text(o.Result), "iot-rule (set") {
		t.Error("the IoT rule's role is said to be unnamed")
	}
}

func uniq() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}
