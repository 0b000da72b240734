package encryption

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// IDSSEKeys is the check of the KMS keys the buckets and queues are
// encrypted with (KMS-007).
const IDSSEKeys = "encryption.sse-keys"

const grantsMaster = "The official modules encrypt the buckets and queues with one customer managed \"master\" key, and the IAM module grants kms:Encrypt, kms:Decrypt and kms:GenerateDataKey* on it to the server, drain and scheduler roles (and the IoT topic rule's role)."

// sseKeys is encryption.sse-keys: every customer managed KMS key an S3
// bucket (default encryption) or an SQS queue (KmsMasterKeyId) is
// encrypted with exists, is enabled, and this identity can
// kms:GenerateDataKey and kms:Decrypt with it, as writing and reading the
// bucket or queue requires.
type sseKeys struct {
	b        *backend
	env      *awsenv.Env
	backends []checks.Backend
}

// keyGroup is one key and the resources it encrypts.
type keyGroup struct {
	ref   string
	users []string
}

func (c *sseKeys) run(ctx context.Context) checks.Result {
	uses := awsenv.KeyUsesOf(ctx, c.backends, c.env, c.b.cfg)
	if len(uses) == 0 {
		return checks.Skipf("no S3 bucket or SQS queue is configured (OBJECT_STORAGE_TYPE=aws, MESSAGE_QUEUE_TYPE=sqs)")
	}
	var v checks.Verdict
	var groups []*keyGroup
	byRef := map[string]*keyGroup{}
	for _, u := range uses {
		switch {
		case u.ReportedBy != "":
			v.Add(checks.Step{Name: u.What, Status: checks.Skip, Message: "not checked: " + u.ReportedBy + " reports it"})
		case u.Unknown != "":
			v.Warn(u.What, "Allow s3:GetEncryptionConfiguration (buckets) and sqs:GetQueueAttributes (queues) for the identity running this tool, so it can see which KMS key each one needs.",
				"could not read its encryption, so its KMS key was not verified: %s", u.Unknown)
		case u.Key == "":
			v.Pass(u.What, "not encrypted with a KMS key (SSE-S3, SSE-SQS or none): no key permission needed")
		case u.AWSManaged:
			v.Pass(u.What, "encrypted with the AWS managed key %s, which every principal of the account may use through the service", u.Key)
		default:
			g, ok := byRef[u.Key]
			if !ok {
				g = &keyGroup{ref: u.Key}
				byRef[u.Key] = g
				groups = append(groups, g)
			}
			g.users = append(g.users, u.What)
		}
	}
	if len(groups) > 0 {
		client, info, err := c.b.kms.Get(ctx)
		if err != nil {
			v.Merge("", checks.Errorf(awsenv.LoadAdvice(err), "cannot use AWS KMS: %s", shortErr(err)))
			return v.Result("")
		}
		v.Detail("region", info.Region)
		v.Detail("credentials", info.Credentials)
		for _, g := range groups {
			c.probe(ctx, client, g, &v)
		}
	}
	return v.Result(fmt.Sprintf("%d KMS key(s) encrypt the buckets and queues; this identity may use each", len(groups)))
}

// probe describes one key and proves GenerateDataKey and Decrypt with it.
// KMS's DryRun would prove GenerateDataKey without making a data key, but
// Decrypt needs a ciphertext made by the key, which only a real
// GenerateDataKey gives; neither call stores anything.
func (c *sseKeys) probe(ctx context.Context, client *kms.Client, g *keyGroup, v *checks.Verdict) {
	users := strings.Join(g.users, ", ")
	name := "KMS key " + g.ref
	call := func(action, key string) call {
		return call{action: action, key: key, envVar: "the encryption setting of " + users, grants: grantsMaster}
	}
	key := g.ref
	d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(g.ref)})
	switch {
	case err != nil && isAccessDenied(err):
		v.Warn(name, fmt.Sprintf("To let this check read the key's state, allow kms:DescribeKey on %s for the identity running the preflight (Spacelift itself does not need it).", g.ref),
			"kms:DescribeKey is denied, so the key's state could not be read; the data-key round trip still decides")
	case err != nil:
		v.Merge(name, kmsFailure(err, call("kms:DescribeKey", key)))
		return
	case d.KeyMetadata != nil:
		m := d.KeyMetadata
		key = aws.ToString(m.Arn)
		if m.KeyState != types.KeyStateEnabled {
			v.Fail(name, stateAdvice(m.KeyState, key), "KMS key %s, which encrypts %s, is %s: Spacelift can neither write to nor read from them", key, users, m.KeyState)
			return
		}
	}
	dk, err := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(g.ref), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		v.Merge(name, withUsers(kmsFailure(err, call("kms:GenerateDataKey", key)), users))
		return
	}
	defer clear(dk.Plaintext)
	dec, err := client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(g.ref), CiphertextBlob: dk.CiphertextBlob})
	if err != nil {
		v.Merge(name, withUsers(kmsFailure(err, call("kms:Decrypt", key)), users))
		return
	}
	defer clear(dec.Plaintext)
	if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		v.Fail(name, "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).", "the data key from %s decrypts to different bytes", key)
		return
	}
	v.Add(checks.Step{Name: name, Status: checks.Pass,
		Message:  fmt.Sprintf("%s encrypts %s; this identity may kms:GenerateDataKey and kms:Decrypt with it", key, users),
		Evidence: checks.Details{checks.KV("proven", "kms:GenerateDataKey, kms:Decrypt")}})
}

// withUsers says which buckets and queues a failure about their key
// affects.
func withUsers(r checks.Result, users string) checks.Result {
	r.Message += " (it encrypts " + users + ")"
	return r
}
