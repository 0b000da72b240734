package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// gcsFlavour is Google Cloud Storage (OBJECT_STORAGE_TYPE=gcp).
type gcsFlavour struct{ cfg *config.Config }

func (gcsFlavour) name() string           { return "gcp" }
func (gcsFlavour) disabledReason() string { return "" }

func (f gcsFlavour) newBackend(ctx context.Context) (backend, error) {
	return newGCSBackend(ctx, f.cfg)
}

func (gcsFlavour) bucketWord() string { return "bucket" }

func (gcsFlavour) whoAmI() string {
	return "If it exists in another project, grant this service account access to it."
}

func (gcsFlavour) permissionAdvice(o op, bucket string) string {
	switch o {
	case opPut, opUpload:
		return fmt.Sprintf("Grant storage.objects.create on gs://%s to the service account (roles/storage.objectAdmin on the bucket, as the official module does).", bucket)
	case opGet, opFetch, opRead:
		return fmt.Sprintf("Grant storage.objects.get on gs://%s (roles/storage.objectAdmin on the bucket).", bucket)
	case opDelete:
		return fmt.Sprintf("Grant storage.objects.delete on gs://%s (roles/storage.objectAdmin on the bucket).", bucket)
	case opPresign, opPresignPut:
		return "Signing URLs without a key file calls iam.serviceAccounts.signBlob: grant roles/iam.serviceAccountTokenCreator on the service account to itself (as the official module does), or use a service-account key file."
	case opVersioning, opLifecycle:
		return fmt.Sprintf("Reading bucket settings needs storage.buckets.get on gs://%s (e.g. roles/storage.legacyBucketReader); or check with gcloud storage buckets describe gs://%s.", bucket, bucket)
	}
	return fmt.Sprintf("Grant storage.objects.list on gs://%s (roles/storage.objectAdmin on the bucket, as the official module does).", bucket)
}

func (gcsFlavour) signatureAdvice() string {
	return "The credentials were rejected: check GOOGLE_APPLICATION_CREDENTIALS points to a current key of the right service account."
}

func (gcsFlavour) credentialAdvice(o op) string {
	if o == opPresign || o == opPresignPut {
		return "Signed URLs need a service-account identity: a key file in GOOGLE_APPLICATION_CREDENTIALS, or an attached service account / Workload Identity that may call iam.serviceAccounts.signBlob on itself (roles/iam.serviceAccountTokenCreator, as the official module grants)."
	}
	return "Provide Application Default Credentials: Workload Identity or an attached service account, or GOOGLE_APPLICATION_CREDENTIALS pointing to a key file."
}

func (gcsFlavour) tlsAdvice() string { return untrustedTLSAdvice }

func (gcsFlavour) corsAdvice(bucket, origin string) string {
	return fmt.Sprintf(`Set CORS on the uploads bucket: gcloud storage buckets update gs://%s --cors-file=cors.json with [{"origin":["%s"],"method":["PUT","POST"],"responseHeader":["*"],"maxAgeSeconds":3600}]`, bucket, origin)
}

func (gcsFlavour) enableVersioning(bucket string) string {
	return fmt.Sprintf("Enable it: gcloud storage buckets update gs://%s --versioning", bucket)
}

func (gcsFlavour) versioningHowTo(bucket string) string {
	return "Check with: gcloud storage buckets describe gs://" + bucket + " --format='value(versioning_enabled)'"
}

func (gcsFlavour) removeRuleAdvice(bucket string) string {
	return "Remove the Delete rule on live objects (rules on noncurrent versions are fine): gcloud storage buckets update gs://" + bucket + " --lifecycle-file=FILE."
}

func (gcsFlavour) publicAdvice(bucket string) string {
	return fmt.Sprintf("Spacelift needs no public access (it hands out signed URLs): remove allUsers/allAuthenticatedUsers bindings and enforce public access prevention: gcloud storage buckets update gs://%s --public-access-prevention", bucket)
}

func (gcsFlavour) versioningUnverifiable() (checks.Result, bool) { return checks.Result{}, false }
func (gcsFlavour) lifecycleUnverifiable() (checks.Result, bool)  { return checks.Result{}, false }

func (gcsFlavour) listPermission(string) (action, resource string, ok bool) { return "", "", false }
func (gcsFlavour) expectedDeleteDenial(string, string) (string, bool)       { return "", false }
