package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The emulators do not verify signatures; these only have to be present.
const (
	benchKeyID  = "AKIDPREFLIGHTBENCH"
	benchSecret = "bench-secret-not-a-real-key"
	benchRegion = "us-east-1"
)

// awsBackend gives the AWS SDK a region and credentials from its default
// chain: no keys in the configuration, so the chain ends at the container
// credentials endpoint (as on ECS), served by the benchmark, which counts
// how many AWS configs a run loads.
func awsBackend() Backend {
	return Backend{
		Name:     "aws (SDK default chain: container-credentials endpoint in the bench process)",
		Requires: []string{"SPT_KMS_REGION", "SPT_KMS_ACCOUNT"},
		Setup:    setupCredentials,
		// MinIO reports its buckets in us-east-1, and storage checks the
		// bucket region; local-kms keys carry its own region in their ARNs,
		// so the KMS keys are given by ID (the check then warns: use ARNs).
		Lines: []string{
			"AWS_REGION=" + benchRegion,
			"AWS_DEFAULT_REGION=" + benchRegion,
			"AWS_ACCOUNT_ID=${SPT_KMS_ACCOUNT}",
		},
		ProcEnv: []string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://${BENCH_CREDENTIALS_ADDR}/creds",
			"AWS_EC2_METADATA_DISABLED=true",
			"AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		},
	}
}

// setupCredentials serves the container-credentials endpoint until ctx
// ends, counting requests in r. It hands out MinIO's keys when MinIO is
// there (MinIO checks signatures; the KMS and SQS emulators do not).
func setupCredentials(ctx context.Context, env Env, r *Resources) (map[string]string, error) {
	ak, sk := benchKeyID, benchSecret
	if v, ok := env("SPT_MINIO_ACCESS_KEY"); ok {
		ak = v
		sk, _ = env("SPT_MINIO_SECRET_KEY")
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.CredentialFetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": ak, "SecretAccessKey": sk,
			"Expiration": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339),
		})
	})}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return map[string]string{"BENCH_CREDENTIALS_ADDR": l.Addr().String()}, nil
}

// queueSpec mirrors what the official module creates (see
// internal/checks/queue/spec.go): dead-letter queues first.
var queueSpec = []struct {
	name       string
	visibility int
	deadLetter string
}{
	{"dlq", 300, ""}, {"dlq-fifo", 300, ""}, {"async-fifo", 300, "dlq-fifo"}, {"async", 300, "dlq"},
	{"cronjobs", 300, "dlq"}, {"events-inbox", 300, "dlq"}, {"iot", 45, "dlq"}, {"webhooks", 600, "dlq"},
}

func queueVar(name string) string {
	return "MESSAGE_QUEUE_SQS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
}

func sqsLines() []string {
	lines := []string{"MESSAGE_QUEUE_TYPE=sqs"}
	for _, q := range queueSpec {
		lines = append(lines, queueVar(q.name)+"=${BENCH_SQS_"+q.name+"}")
	}
	return lines
}

func staticCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(benchKeyID, benchSecret, "")
}

// setupSQS creates the eight queues with the module's settings.
func setupSQS(ctx context.Context, env Env, _ *Resources) (map[string]string, error) {
	ep, _ := env("SPT_SQS_ENDPOINT")
	c := sqs.New(sqs.Options{Region: benchRegion, BaseEndpoint: aws.String(ep), Credentials: staticCreds()})
	vals, arns := map[string]string{}, map[string]string{}
	for _, q := range queueSpec {
		attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(q.visibility)}
		qname := "spt-bench-" + q.name
		if strings.HasSuffix(q.name, "-fifo") {
			qname = "spt-bench-" + strings.TrimSuffix(q.name, "-fifo") + ".fifo"
			attrs["FifoQueue"] = "true"
		}
		if q.deadLetter != "" {
			attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, arns[q.deadLetter])
		}
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(qname), Attributes: attrs})
		if err != nil {
			return nil, fmt.Errorf("create queue %s: %w", qname, err)
		}
		url := aws.ToString(out.QueueUrl)
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", qname, err)
		}
		arns[q.name] = a.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
		vals["BENCH_SQS_"+q.name] = url
	}
	return vals, nil
}

// setupKMS creates the two keys KMS mode needs: a symmetric encryption key
// and an RSA signing key.
func setupKMS(ctx context.Context, env Env, _ *Resources) (map[string]string, error) {
	ep, _ := env("SPT_KMS_ENDPOINT")
	region, _ := env("SPT_KMS_REGION")
	c := kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(ep), Credentials: staticCreds()})
	vals := map[string]string{}
	for _, k := range []struct {
		val   string
		spec  kmstypes.KeySpec
		usage kmstypes.KeyUsageType
	}{
		{"BENCH_KMS_ENCRYPTION_KEY", kmstypes.KeySpecSymmetricDefault, kmstypes.KeyUsageTypeEncryptDecrypt},
		{"BENCH_KMS_SIGNING_KEY", kmstypes.KeySpecRsa4096, kmstypes.KeyUsageTypeSignVerify},
	} {
		out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: k.spec, KeyUsage: k.usage, Description: aws.String("spacectl-preflight bench")})
		if err != nil {
			return nil, fmt.Errorf("create KMS key %s: %w", k.spec, err)
		}
		vals[k.val] = aws.ToString(out.KeyMetadata.KeyId)
	}
	return vals, nil
}
