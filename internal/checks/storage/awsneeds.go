package storage

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var (
	_ awsenv.Permissions = Backend{}
	_ awsenv.Encrypted   = Backend{}
)

// bucketGrant is what some roles need on one bucket: actions on the bucket
// itself and on its objects.
type bucketGrant struct {
	roles          []awsenv.Role
	bucket, object []string
}

// bucketGrants is the official IAM module's S3 statements for one bucket
// purpose (terraform-aws-iam-spacelift-selfhosted@7053648:
// iam_drain_and_server.tf, iam_server.tf, iam_drain.tf). The scheduler
// has no S3 access.
func bucketGrants(purpose string) []bucketGrant {
	both := []awsenv.Role{awsenv.Server, awsenv.Drain}
	server := []awsenv.Role{awsenv.Server}
	drain := []awsenv.Role{awsenv.Drain}
	switch purpose {
	case "deliveries":
		return []bucketGrant{{both, []string{"s3:ListBucket"}, []string{"s3:GetObject", "s3:PutObject"}}}
	case "policy-inputs":
		return []bucketGrant{{both, []string{"s3:ListBucket"}, []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}}}
	case "user-uploaded-workspaces", "workspace", "metadata":
		return []bucketGrant{{both, nil, []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}}}
	case "run-logs":
		return []bucketGrant{
			{both, []string{"s3:ListBucket"}, []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}},
			{drain, nil, []string{"s3:PutObjectTagging"}},
		}
	case "modules":
		return []bucketGrant{{both, []string{"s3:ListBucket"}, []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}}}
	case "states":
		return []bucketGrant{
			{server, []string{"s3:ListBucket", "s3:ListBucketVersions"}, []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectTagging"}},
			{drain, []string{"s3:ListBucket"}, []string{"s3:DeleteObject"}},
		}
	case "uploads":
		return []bucketGrant{{server, nil, []string{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"}}}
	case "large-queue-messages":
		return []bucketGrant{{server, nil, []string{"s3:AbortMultipartUpload", "s3:PutObject"}}, {drain, nil, []string{"s3:GetObject"}}}
	}
	return nil
}

// AWSNeeds implements awsenv.Permissions: with OBJECT_STORAGE_TYPE=aws,
// what the server and drain need on each configured bucket.
func (Backend) AWSNeeds(cfg *config.Config, a awsenv.ARNs) []awsenv.Need {
	if Type(cfg) != "aws" {
		return nil
	}
	var out []awsenv.Need
	for _, b := range Buckets() {
		name := cfg.Get(b.Var)
		if name == "" {
			continue
		}
		arn := "arn:" + a.Partition + ":s3:::" + name
		what := b.Purpose + " bucket " + name
		for _, g := range bucketGrants(b.Purpose) {
			if len(g.bucket) > 0 {
				out = append(out, awsenv.Need{Roles: g.roles, Actions: g.bucket, Resource: arn, What: what})
			}
			out = append(out, awsenv.Need{Roles: g.roles, Actions: g.object, Resource: arn + "/*", What: what + " (objects)"})
		}
	}
	return out
}

// AWSKeyUses implements awsenv.Encrypted: with OBJECT_STORAGE_TYPE=aws,
// each configured bucket's default encryption (s3:GetEncryptionConfiguration).
func (Backend) AWSKeyUses(ctx context.Context, env *awsenv.Env, cfg *config.Config) []awsenv.KeyUse {
	if Type(cfg) != "aws" {
		return nil
	}
	// bucketsFor reads only the configuration: each bucket name once,
	// with every purpose it serves.
	buckets := (&suite{cfg: cfg}).bucketsFor(purposes()...)
	if len(buckets) == 0 {
		return nil
	}
	partition := env.Partition()
	out := make([]awsenv.KeyUse, 0, len(buckets))
	b, err := newS3Backend(ctx, newS3Client(cfg, env))
	for _, nb := range buckets {
		u := awsenv.KeyUse{Resource: "arn:" + partition + ":s3:::" + nb.Name, What: "bucket " + nb.label()}
		if err != nil {
			u.Unknown = describe(asOpError(err))
		} else {
			b.keyUse(ctx, nb, &u)
		}
		out = append(out, u)
	}
	return out
}

// keyUse reads one bucket's default encryption into u.
func (b *s3Backend) keyUse(ctx context.Context, nb namedBucket, u *awsenv.KeyUse) {
	out, err := b.c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(nb.Name)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ServerSideEncryptionConfigurationNotFoundError" {
		return // no default encryption: nothing needs a key
	}
	if err != nil {
		e := asOpError(b.classify(err))
		if e.Kind == kindNoBucket {
			u.ReportedBy = "storage.bucket." + nb.Purposes[0]
			return
		}
		u.Unknown = "s3:GetEncryptionConfiguration: " + describe(e)
		return
	}
	if out.ServerSideEncryptionConfiguration == nil {
		return
	}
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		d := r.ApplyServerSideEncryptionByDefault
		if d == nil || (d.SSEAlgorithm != types.ServerSideEncryptionAwsKms && d.SSEAlgorithm != types.ServerSideEncryptionAwsKmsDsse) {
			continue
		}
		u.Key = aws.ToString(d.KMSMasterKeyID)
		if u.Key == "" || u.Key == "alias/aws/s3" {
			// SSE-KMS without a key ID uses the AWS managed key aws/s3.
			u.Key, u.AWSManaged = "alias/aws/s3", true
		}
		return
	}
}
