package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// flavour is what differs between the OBJECT_STORAGE_TYPE values apart from
// the client itself: what must be configured, how the client is created,
// which settings the API can read, and the advice that names each
// flavour's own permissions and tools. It is chosen once per run
// (flavourFor) and creates no client until newBackend.
type flavour interface {
	// name is the OBJECT_STORAGE_TYPE value: aws, minio, gcp or azure.
	name() string
	// disabledReason says why no storage check can run, or "".
	disabledReason() string
	// newBackend creates the run's client (the suite keeps it).
	newBackend(ctx context.Context) (backend, error)

	// bucketWord is what the flavour calls a bucket.
	bucketWord() string
	// whoAmI is the hint, after "create the bucket", for a bucket that
	// may exist where this identity cannot see it ("" for none).
	whoAmI() string
	// permissionAdvice names the permission step o needs on bucket.
	permissionAdvice(o op, bucket string) string
	signatureAdvice() string
	// credentialAdvice is the advice when step o found no credentials.
	credentialAdvice(o op) string
	tlsAdvice() string
	corsAdvice(bucket, origin string) string
	enableVersioning(bucket string) string
	versioningHowTo(bucket string) string
	removeRuleAdvice(bucket string) string
	publicAdvice(bucket string) string

	// versioningUnverifiable and lifecycleUnverifiable return the check's
	// result, and true, when the setting is not a per-bucket one the
	// flavour's API can read (Azure keeps both at the storage account).
	versioningUnverifiable() (checks.Result, bool)
	lifecycleUnverifiable() (checks.Result, bool)
	// listPermission returns the permission the exists step needs, and
	// true, when a denial there says only that this permission is missing
	// (S3 APIs: HeadBucket needs s3:ListBucket, which Spacelift's
	// least-privilege policy does not grant on every bucket); then the
	// write probe decides whether the bucket is usable.
	listPermission(bucket string) (action, resource string, ok bool)
	// expectedDeleteDenial returns the advice, and true, when Spacelift's
	// least-privilege policy for this flavour denies deleting objects in
	// some buckets (noDelete), so a probe object left there is expected.
	expectedDeleteDenial(bucket, key string) (advice string, ok bool)
}

// flavourFor returns the flavour named by OBJECT_STORAGE_TYPE, or nil when
// the value is not one of them (then disabledReason stops every check). It
// is the one place that names every flavour.
func flavourFor(name string, cfg *config.Config, env *awsenv.Env, sm seams) flavour {
	switch name {
	case "aws":
		return awsFlavour{s3: newS3Client(cfg, env), partition: env.Partition()}
	case "minio":
		return minioFlavour{cfg: cfg, creds: sm.minioCreds}
	case "gcp":
		return gcsFlavour{cfg: cfg}
	case "azure":
		return azureFlavour{cfg: cfg, arm: sm.azureARM}
	}
	return nil
}

// unknownFlavourReason is the reason every storage check is disabled when
// OBJECT_STORAGE_TYPE names no flavour.
func unknownFlavourReason(name string) string {
	return fmt.Sprintf("OBJECT_STORAGE_TYPE %q is not one of aws, gcp, azure, minio (config.values reports it)", name)
}

// untrustedTLSAdvice is the TLS advice of the flavours whose endpoint is a
// cloud service.
const untrustedTLSAdvice = "The storage endpoint's TLS certificate is not trusted from here; fix the certificate or the trust store (a TLS-intercepting proxy needs its CA installed)."

// s3Permission returns the IAM action and resource ARN a step needs on an
// S3 API (AWS, or MinIO, whose policies use the partition "aws").
func s3Permission(partition string, o op, bucket string) (action, resource string) {
	arn := "arn:" + partition + ":s3:::" + bucket
	objects := arn + "/*"
	switch o {
	case opPut, opUpload:
		return "s3:PutObject", objects
	case opGet, opFetch, opRead:
		return "s3:GetObject", objects
	case opDelete:
		return "s3:DeleteObject", objects
	case opVersioning:
		return "s3:GetBucketVersioning", arn
	case opLifecycle:
		return "s3:GetLifecycleConfiguration", arn
	}
	return "s3:ListBucket", arn
}

// s3PermissionAdvice names the S3 permission step o needs and who needs it.
func s3PermissionAdvice(partition string, o op, bucket, who string) string {
	action, res := s3Permission(partition, o, bucket)
	adv := fmt.Sprintf("Allow %s on %s for %s.", action, res, who)
	switch o {
	case opFetch:
		adv += " A pre-signed URL carries the signer's permissions, so the signer needs s3:GetObject."
	case opUpload:
		adv += " A pre-signed URL carries the signer's permissions, so the signer needs s3:PutObject."
	}
	return adv
}

// s3LeftoverAdvice is the advice for a probe object the least-privilege S3
// policy forbids deleting; rm is the command that deletes it.
func s3LeftoverAdvice(rm string) string {
	return "Expected: Spacelift's least-privilege policy grants no s3:DeleteObject on this bucket, so the probe could not remove its object. Delete it with an admin identity (" + rm + ") or let the bucket's expiry rule remove it; --read-only skips the write probe."
}
