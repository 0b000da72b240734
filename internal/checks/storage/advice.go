package storage

import (
	"fmt"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// op is one step of a check; its text completes "could not ...".
type op string

const (
	opExists     op = "reach the bucket"
	opPut        op = "write the probe object"
	opGet        op = "read the probe object back"
	opPresign    op = "create a pre-signed GET URL"
	opFetch      op = "fetch the pre-signed URL over plain HTTP"
	opDelete     op = "delete the probe object"
	opVersioning op = "read the versioning setting"
	opLifecycle  op = "read the lifecycle rules"
)

// statusOf says whether a failure is a verdict on the infrastructure (fail)
// or means we could not reach one (error).
func statusOf(k kind) checks.Status {
	switch k {
	case kindNetwork, kindTimeout, kindOther:
		return checks.Error
	}
	return checks.Fail
}

// failure turns a classified error into a Result that names the bucket,
// the step, and the exact permission or setting to fix.
func (s *suite) failure(o op, bucket string, err error) checks.Result {
	e := asOpError(err)
	msg := fmt.Sprintf("%s %s: could not %s: %s", s.bucketWord(), bucket, o, describe(e))
	return checks.Result{Status: statusOf(e.Kind), Message: msg, Advice: s.advice(o, bucket, e)}.
		With(checks.KV("backend", s.flavour), checks.KV("endpoint", s.endpointText()))
}

func describe(e *opError) string {
	switch e.Kind {
	case kindNoBucket:
		return "the bucket does not exist (" + e.Error() + ")"
	case kindDenied:
		return "access denied (" + e.Error() + ")"
	case kindSignature:
		return "the request signature was rejected (" + e.Error() + ")"
	case kindSkew:
		return "the server says this machine's clock is wrong (" + e.Error() + ")"
	case kindRegion:
		if e.Region != "" {
			return "the bucket is in region " + e.Region + ", not the configured one (" + e.Error() + ")"
		}
		return "wrong region (" + e.Error() + ")"
	case kindTLS:
		return "TLS failure: " + e.Error()
	case kindNoCredentials:
		return "no credentials: " + e.Error()
	case kindExpiredCredentials:
		return "the credentials have expired (" + e.Error() + ")"
	case kindUnsupported:
		return "the server does not implement this API (" + e.Error() + ")"
	}
	return e.Error()
}

func (s *suite) advice(o op, bucket string, e *opError) string {
	switch e.Kind {
	case kindNoBucket:
		return strings.TrimSpace(fmt.Sprintf("Create the %s %q (or fix the variable that names it: names must match exactly, without prefix, suffix or trailing slash). %s", s.bucketWord(), bucket, s.whoAmI()))
	case kindDenied:
		return s.permissionAdvice(o, bucket)
	case kindSignature:
		return s.signatureAdvice()
	case kindSkew:
		return "Synchronise this machine's clock (and the Spacelift hosts') with NTP: signed requests are refused when the clock is more than 15 minutes off (RequestTimeTooSkewed)."
	case kindRegion:
		if e.Region != "" {
			return fmt.Sprintf("Set AWS_REGION (and AWS_DEFAULT_REGION) to %s, the bucket's region, or use a bucket in the configured region.", e.Region)
		}
		return "Set AWS_REGION (and AWS_DEFAULT_REGION) to the bucket's region (aws s3api get-bucket-location --bucket " + bucket + ")."
	case kindTLS:
		if s.flavour == "minio" {
			return "MinIO's certificate is not trusted. Use a certificate from a CA this machine and the Spacelift hosts trust, add the CA to the system trust store, or set OBJECT_STORAGE_MINIO_ALLOW_INSECURE=true to accept a self-signed certificate (workers and browsers fetching pre-signed URLs must trust it too). If MinIO serves plain HTTP, set OBJECT_STORAGE_MINIO_USE_SSL=false."
		}
		return "The storage endpoint's TLS certificate is not trusted from here; fix the certificate or the trust store (a TLS-intercepting proxy needs its CA installed)."
	case kindNoCredentials:
		if o == opPresign && s.flavour == "gcp" {
			return "Signed URLs need a service-account identity: a key file in GOOGLE_APPLICATION_CREDENTIALS, or an attached service account / Workload Identity that may call iam.serviceAccounts.signBlob on itself (roles/iam.serviceAccountTokenCreator, as the official module grants)."
		}
		return s.credentialAdvice()
	case kindExpiredCredentials:
		return "Refresh the credentials (a new session token, or let the role/instance profile issue fresh ones)."
	case kindUnsupported:
		return "This storage server does not implement the call; verify the setting on the server by other means."
	case kindNetwork, kindTimeout:
		return fmt.Sprintf("Check that %s is reachable from here (DNS, firewall, security group, proxy); the Spacelift server, drain and workers need the same path.", s.endpointText())
	}
	return "Run again with -v for the SDK's full error; the details show the endpoint used."
}

func (s *suite) bucketWord() string {
	if s.flavour == "azure" {
		return "container"
	}
	return "bucket"
}

func (s *suite) whoAmI() string {
	switch s.flavour {
	case "aws":
		return "If it exists in another account, this identity cannot see it: check with aws sts get-caller-identity."
	case "gcp":
		return "If it exists in another project, grant this service account access to it."
	case "azure":
		return "Containers live in the storage account of OBJECT_STORAGE_AZURE_ACCOUNT_URL."
	}
	return ""
}

// permissionAdvice names the exact permission a step needs on each backend.
func (s *suite) permissionAdvice(o op, bucket string) string {
	switch s.flavour {
	case "aws", "minio":
		action, res := s.s3Permission(o, bucket)
		who := "the IAM role or user Spacelift runs as"
		if s.flavour == "minio" {
			who = "the MinIO user OBJECT_STORAGE_MINIO_ACCESS_KEY_ID (mc admin policy attach ALIAS POLICY --user KEY)"
		}
		adv := fmt.Sprintf("Allow %s on %s for %s.", action, res, who)
		if o == opFetch {
			adv += " A pre-signed URL carries the signer's permissions, so the signer needs s3:GetObject."
		}
		return adv
	case "gcp":
		switch o {
		case opPut:
			return fmt.Sprintf("Grant storage.objects.create on gs://%s to the service account (roles/storage.objectAdmin on the bucket, as the official module does).", bucket)
		case opGet, opFetch:
			return fmt.Sprintf("Grant storage.objects.get on gs://%s (roles/storage.objectAdmin on the bucket).", bucket)
		case opDelete:
			return fmt.Sprintf("Grant storage.objects.delete on gs://%s (roles/storage.objectAdmin on the bucket).", bucket)
		case opPresign:
			return "Signing URLs without a key file calls iam.serviceAccounts.signBlob: grant roles/iam.serviceAccountTokenCreator on the service account to itself (as the official module does), or use a service-account key file."
		case opVersioning, opLifecycle:
			return fmt.Sprintf("Reading bucket settings needs storage.buckets.get on gs://%s (e.g. roles/storage.legacyBucketReader); or check with gcloud storage buckets describe gs://%s.", bucket, bucket)
		}
		return fmt.Sprintf("Grant storage.objects.list on gs://%s (roles/storage.objectAdmin on the bucket, as the official module does).", bucket)
	case "azure":
		switch o {
		case opPresign:
			return "Creating a user-delegation SAS needs Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action (included in Storage Blob Data Contributor) on the storage account."
		case opExists, opGet, opFetch:
			return fmt.Sprintf("Assign Storage Blob Data Contributor (read: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read) on the storage account or container %q to Spacelift's identity; with a SAS, it needs the r and l permissions.", bucket)
		case opDelete:
			return fmt.Sprintf("Assign Storage Blob Data Contributor (Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete) on container %q; with a SAS, it needs the d permission.", bucket)
		}
		return fmt.Sprintf("Assign Storage Blob Data Contributor (Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write) on the storage account or container %q to Spacelift's identity, as the official module does; with a SAS, it needs the c and w permissions.", bucket)
	}
	return "Grant the identity access to the bucket."
}

// s3Permission returns the IAM action and resource ARN a step needs.
func (s *suite) s3Permission(o op, bucket string) (action, resource string) {
	arn := "arn:" + s.partition() + ":s3:::" + bucket
	objects := arn + "/*"
	switch o {
	case opPut:
		return "s3:PutObject", objects
	case opGet, opFetch:
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

// partition is AWS_PARTITION (aws-us-gov, aws-cn) for S3; MinIO's policies
// always use "aws".
func (s *suite) partition() string {
	if p := s.cfg.Get(awsenv.Partition); p != "" && s.flavour == "aws" {
		return p
	}
	return "aws"
}

func (s *suite) signatureAdvice() string {
	switch s.flavour {
	case "minio":
		return "The secret does not match the access key: check " + MinioAccessKeyID + " and " + MinioSecretAccessKey + " (no surrounding whitespace or quotes)."
	case "azure":
		return "The account key or SAS was rejected: check " + AzureStorageKey + " / " + AzureConnectionString + " against the storage account's access keys (az storage account keys list), or remove them to use DefaultAzureCredential."
	case "gcp":
		return "The credentials were rejected: check GOOGLE_APPLICATION_CREDENTIALS points to a current key of the right service account."
	}
	return "The secret access key does not match the access key ID (or the key was deleted): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use, with no surrounding whitespace."
}

func (s *suite) credentialAdvice() string {
	switch s.flavour {
	case "aws":
		return "Provide AWS credentials through the default chain: an IAM role (ECS task role, EKS IRSA/Pod Identity, instance profile), AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
	case "gcp":
		return "Provide Application Default Credentials: Workload Identity or an attached service account, or GOOGLE_APPLICATION_CREDENTIALS pointing to a key file."
	case "azure":
		return "Provide credentials for DefaultAzureCredential (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE for Workload Identity, a managed identity, or AZURE_CLIENT_SECRET), or set " + AzureStorageKey + " or " + AzureConnectionString + "."
	}
	return "Set " + MinioAccessKeyID + " and " + MinioSecretAccessKey + "."
}
