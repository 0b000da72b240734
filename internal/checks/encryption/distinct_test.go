package encryption_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
)

// KMS-001 offline: references that plainly name one key fail
// config.values; references only KMS can compare do not.
func TestReviewFailsWhenBothVariablesNameOneKey(t *testing.T) {
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	arn := "arn:aws:kms:eu-west-2:111122223333:key/" + id
	for _, c := range []struct {
		name       string
		enc, sign  string
		sameKey    bool
		encryption string
	}{
		{"same ARN", arn, arn, true, "kms"},
		{"ID and its ARN", id, arn, true, "kms"},
		{"same alias by name and ARN", "alias/spacelift", "arn:aws:kms:eu-west-2:111122223333:alias/spacelift", true, "kms"},
		{"one key ID in two accounts' ARNs", arn, strings.Replace(arn, "111122223333", "444455556666", 1), false, "kms"},
		{"alias and ARN: only KMS can tell", "alias/spacelift", arn, false, "kms"},
		{"two keys", arn, strings.Replace(arn, "1234abcd", "5678abcd", 1), false, "kms"},
		{"rsa mode ignores them", arn, arn, false, "rsa"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig(t, map[string]string{encryption.TypeVar: c.encryption, encryption.KMSEncryptionKeyID: c.enc, encryption.KMSSigningKeyID: c.sign})
			var found *checks.Step
			for _, s := range checks.ReviewAll(backends(), cfg, time.Now()).Values.Steps() {
				if s.Name == encryption.KMSSigningKeyID {
					found = &s
				}
			}
			switch {
			case c.sameKey && (found == nil || found.Status != checks.Fail || !strings.Contains(found.Message, "names the same key as ENCRYPTION_KMS_ENCRYPTION_KEY_ID")):
				t.Errorf("want a failure naming both variables, got %+v", found)
			case !c.sameKey && found != nil:
				t.Errorf("want no finding, got %+v", *found)
			}
		})
	}
}

// KMS-001 with KMS: an alias of the signing key given as the encryption
// key is the same key, which only DescribeKey reveals.
func TestKMSSigningKeyFailsWhenTheEncryptionKeyIsTheSameKey(t *testing.T) {
	e := localKMS(t)
	sign := e.createKey(t, types.KeySpecRsa4096, types.KeyUsageTypeSignVerify)
	other := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)

	res := runCheck(t, plan(t, e.kmsConfig(t, sign.alias, sign.arn, nil)), "encryption.kms-signing-key", checkTimeout)
	wantStatus(t, res, checks.Fail, "ENCRYPTION_KMS_ENCRYPTION_KEY_ID ("+sign.alias+") and ENCRYPTION_KMS_SIGNING_KEY_ID ("+sign.arn+") name the same KMS key "+sign.arn,
		"RSA_4096 SIGN_VERIFY key for ENCRYPTION_KMS_SIGNING_KEY_ID")

	res = runCheck(t, plan(t, e.kmsConfig(t, other.alias, sign.arn, nil)), "encryption.kms-signing-key", checkTimeout)
	wantStatus(t, res, checks.Pass)
}
