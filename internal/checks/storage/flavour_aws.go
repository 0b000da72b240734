package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// awsFlavour is Amazon S3 (OBJECT_STORAGE_TYPE=aws).
type awsFlavour struct {
	s3        *s3Client
	partition string // AWS_PARTITION, or "aws"
}

func (awsFlavour) name() string           { return "aws" }
func (awsFlavour) disabledReason() string { return "" }

func (f awsFlavour) newBackend(ctx context.Context) (backend, error) { return newS3Backend(ctx, f.s3) }

func (awsFlavour) bucketWord() string { return "bucket" }

func (awsFlavour) whoAmI() string {
	return "If it exists in another account, this identity cannot see it: check with aws sts get-caller-identity."
}

func (f awsFlavour) permissionAdvice(o op, bucket string) string {
	return s3PermissionAdvice(f.partition, o, bucket, "the IAM role or user Spacelift runs as")
}

func (awsFlavour) signatureAdvice() string {
	return "The secret access key does not match the access key ID (or the key was deleted): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use, with no surrounding whitespace."
}

func (awsFlavour) credentialAdvice(op) string {
	return "Provide AWS credentials through the default chain: an IAM role (ECS task role, EKS IRSA/Pod Identity, instance profile), AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
}

func (awsFlavour) tlsAdvice() string { return untrustedTLSAdvice }

func (awsFlavour) corsAdvice(bucket, origin string) string {
	return fmt.Sprintf(`Add a CORS rule to the uploads bucket: aws s3api put-bucket-cors --bucket %s --cors-configuration '{"CORSRules":[{"AllowedOrigins":["%s"],"AllowedMethods":["PUT","POST"],"AllowedHeaders":["*"],"MaxAgeSeconds":3600}]}'`, bucket, origin)
}

func (awsFlavour) enableVersioning(bucket string) string {
	return fmt.Sprintf("Enable it: aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled", bucket)
}

func (awsFlavour) versioningHowTo(bucket string) string {
	return "Check with: aws s3api get-bucket-versioning --bucket " + bucket
}

func (awsFlavour) removeRuleAdvice(bucket string) string {
	return "Remove the expiration rule (keep only noncurrent-version and incomplete-upload rules): aws s3api get-bucket-lifecycle-configuration --bucket " + bucket + ", then put-bucket-lifecycle-configuration without it."
}

func (awsFlavour) publicAdvice(bucket string) string {
	return fmt.Sprintf("Spacelift needs no public access (it hands out pre-signed URLs). Block it: aws s3api put-public-access-block --bucket %s --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true, and remove public statements from the bucket policy and ACL.", bucket)
}

func (awsFlavour) versioningUnverifiable() (checks.Result, bool) { return checks.Result{}, false }
func (awsFlavour) lifecycleUnverifiable() (checks.Result, bool)  { return checks.Result{}, false }

func (f awsFlavour) listPermission(bucket string) (action, resource string, ok bool) {
	action, resource = s3Permission(f.partition, opExists, bucket)
	return action, resource, true
}

func (awsFlavour) expectedDeleteDenial(bucket, key string) (string, bool) {
	return s3LeftoverAdvice("aws s3 rm s3://" + bucket + "/" + key), true
}
