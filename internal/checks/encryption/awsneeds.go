package encryption

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var _ awsenv.Permissions = Backend{}

// AWSNeeds implements awsenv.Permissions: with ENCRYPTION_TYPE=kms, what
// the server, drain and scheduler need on the two keys
// (terraform-aws-iam-spacelift-selfhosted@7053648: iam_drain_and_server.tf,
// iam_scheduler.tf). Keys named by alias are resolved by aws.identity.
func (Backend) AWSNeeds(cfg *config.Config, a awsenv.ARNs) []awsenv.Need {
	if Type(cfg) != "kms" {
		return nil
	}
	all := []awsenv.Role{awsenv.Server, awsenv.Drain, awsenv.Scheduler}
	var out []awsenv.Need
	for _, k := range []struct {
		envVar, what string
		actions      []string
	}{
		{KMSEncryptionKeyID, "the encryption key", []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}},
		{KMSSigningKeyID, "the signing key", []string{"kms:GetPublicKey", "kms:Sign", "kms:Verify"}},
	} {
		ref := cfg.Get(k.envVar)
		if _, err := parseKeyRef(ref); err != nil {
			continue // config.values or config.required reports it
		}
		out = append(out, awsenv.Need{Roles: all, Actions: k.actions, Resource: awsenv.KeyARN(ref, a), What: k.what + " (" + k.envVar + ")"})
	}
	return out
}
