package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// suggestVersioning returns the buckets where Spacelift's docs suggest
// versioning; states requires it (spacelift-requirements §7.1).
func suggestVersioning() []string {
	return []string{"modules", "run-logs", "uploads", "user-uploaded-workspaces", "workspace"}
}

func (s *suite) versioningCheck(ctx context.Context) checks.Result {
	if s.flavour == "azure" {
		return checks.Warnf(s.versioningHowTo("")+" Enable it there if it is off: Spacelift requires versioning for the states container.",
			"could not verify versioning: on Azure it is a storage-account setting (isVersioningEnabled) that the Blob API cannot read")
	}
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	var v checks.Verdict
	for _, nb := range s.bucketsFor(append([]string{"states"}, suggestVersioning()...)...) {
		required := nb.has("states")
		st, err := be.versioning(ctx, nb.Name)
		if err != nil {
			e := asOpError(err)
			switch {
			case statusOf(e.Kind) == checks.Error:
				v.Add(checks.Step{Name: nb.label(), Status: checks.Error, Message: "could not read versioning: " + describe(e), Advice: s.advice(opVersioning, nb.Name, e)})
			case e.Kind == kindNoBucket:
				v.Add(checks.Step{Name: nb.label(), Status: checks.Fail, Message: describe(e), Advice: s.advice(opVersioning, nb.Name, e)})
			default:
				v.Add(checks.Step{Name: nb.label(), Status: checks.Warn, Message: "could not verify versioning: " + describe(e), Advice: s.advice(opVersioning, nb.Name, e) + " " + s.versioningHowTo(nb.Name)})
			}
			continue
		}
		switch {
		case st == versioningEnabled:
			v.Pass(nb.label(), "versioning enabled")
		case required:
			v.Fail(nb.label(), s.enableVersioning(nb.Name), "versioning is %s; Spacelift requires it on the states bucket (it keeps earlier state versions)", st)
		default:
			v.Warn(nb.label(), s.enableVersioning(nb.Name), "versioning is %s; Spacelift suggests enabling it", st)
		}
	}
	return v.Result("versioning is enabled on every bucket that requires or suggests it")
}

func (s *suite) enableVersioning(bucket string) string {
	switch s.flavour {
	case "aws":
		return fmt.Sprintf("Enable it: aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled", bucket)
	case "minio":
		return fmt.Sprintf("Enable it: mc version enable ALIAS/%s (MinIO needs an erasure-coded or single-drive xl deployment for versioning).", bucket)
	case "gcp":
		return fmt.Sprintf("Enable it: gcloud storage buckets update gs://%s --versioning", bucket)
	}
	return "Enable versioning on the storage account."
}

func (s *suite) versioningHowTo(bucket string) string {
	switch s.flavour {
	case "aws":
		return "Check with: aws s3api get-bucket-versioning --bucket " + bucket
	case "minio":
		return "Check with: mc version info ALIAS/" + bucket
	case "gcp":
		return "Check with: gcloud storage buckets describe gs://" + bucket + " --format='value(versioning_enabled)'"
	}
	return "Check with: az storage account blob-service-properties show --account-name ACCOUNT --query isVersioningEnabled (or the storage account's Data protection page in the portal)."
}
