package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// minioFlavour is MinIO through its own client (OBJECT_STORAGE_TYPE=minio).
type minioFlavour struct {
	cfg *config.Config
	// creds, when set, replaces the static key pair (seams.minioCreds).
	creds *minioCredentials
}

// minioPartition is the partition MinIO's policies always use.
const minioPartition = "aws"

func (minioFlavour) name() string { return "minio" }

func (f minioFlavour) disabledReason() string {
	for _, v := range []string{MinioEndpoint, MinioAccessKeyID, MinioSecretAccessKey} {
		if !f.cfg.Has(v) {
			return v + " is not set (OBJECT_STORAGE_TYPE is minio)"
		}
	}
	return ""
}

func (f minioFlavour) newBackend(context.Context) (backend, error) {
	return newMinioBackend(f.cfg, f.creds)
}

func (minioFlavour) bucketWord() string { return "bucket" }
func (minioFlavour) whoAmI() string     { return "" }

func (minioFlavour) permissionAdvice(o op, bucket string) string {
	return s3PermissionAdvice(minioPartition, o, bucket, "the MinIO user OBJECT_STORAGE_MINIO_ACCESS_KEY_ID (mc admin policy attach ALIAS POLICY --user KEY)")
}

func (minioFlavour) signatureAdvice() string {
	return "The secret does not match the access key: check " + MinioAccessKeyID + " and " + MinioSecretAccessKey + " (no surrounding whitespace or quotes)."
}

func (minioFlavour) credentialAdvice(op) string {
	return "Set " + MinioAccessKeyID + " and " + MinioSecretAccessKey + "."
}

func (minioFlavour) tlsAdvice() string {
	return "MinIO's certificate is not trusted. Use a certificate from a CA this machine and the Spacelift hosts trust, add the CA to the system trust store, or set OBJECT_STORAGE_MINIO_ALLOW_INSECURE=true to accept a self-signed certificate (workers and browsers fetching pre-signed URLs must trust it too). If MinIO serves plain HTTP, set OBJECT_STORAGE_MINIO_USE_SSL=false."
}

func (minioFlavour) corsAdvice(_, origin string) string {
	return fmt.Sprintf("MinIO applies one CORS setting to the whole server: allow %s with mc admin config set ALIAS api cors_allow_origin=%s (or MINIO_API_CORS_ALLOW_ORIGIN) and restart MinIO; a reverse proxy in front of it must pass OPTIONS through.", origin, origin)
}

func (minioFlavour) enableVersioning(bucket string) string {
	return fmt.Sprintf("Enable it: mc version enable ALIAS/%s (MinIO needs an erasure-coded or single-drive xl deployment for versioning).", bucket)
}

func (minioFlavour) versioningHowTo(bucket string) string {
	return "Check with: mc version info ALIAS/" + bucket
}

func (minioFlavour) removeRuleAdvice(bucket string) string {
	return "Remove the expiry rule: mc ilm rule ls ALIAS/" + bucket + ", then mc ilm rule rm --id RULE ALIAS/" + bucket + "."
}

func (minioFlavour) publicAdvice(bucket string) string {
	return fmt.Sprintf("Spacelift needs no anonymous access (it hands out pre-signed URLs): mc anonymous set none ALIAS/%s", bucket)
}

func (minioFlavour) versioningUnverifiable() (checks.Result, bool) { return checks.Result{}, false }
func (minioFlavour) lifecycleUnverifiable() (checks.Result, bool)  { return checks.Result{}, false }

func (minioFlavour) listPermission(bucket string) (action, resource string, ok bool) {
	action, resource = s3Permission(minioPartition, opExists, bucket)
	return action, resource, true
}

func (minioFlavour) expectedDeleteDenial(bucket, key string) (string, bool) {
	return s3LeftoverAdvice("mc rm ALIAS/" + bucket + "/" + key), true
}
