package encryption

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// kmsKey is encryption.kms-key: the symmetric key Spacelift encrypts its
// data with is enabled, of the right spec, in the right region, and this
// identity can Encrypt, Decrypt and GenerateDataKey with it.
func (b *backend) kmsKey(ctx context.Context) checks.Result {
	var rep checks.Verdict
	t := b.prepare(ctx, KMSEncryptionKeyID, grantsEncryption, &rep)
	if t == nil {
		return rep.Result("")
	}
	if m := t.describe(ctx, &rep); m != nil {
		if m.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
			rep.Fail("", encryptionKeyAdvice, "KMS key %s has usage %s; the encryption key must be ENCRYPT_DECRYPT", t.arn, m.KeyUsage)
		}
		if m.KeySpec != types.KeySpecSymmetricDefault {
			rep.Fail("", encryptionKeyAdvice, "KMS key %s has spec %s; the encryption key must be SYMMETRIC_DEFAULT", t.arn, m.KeySpec)
		}
		b.multiRegion(m, t.arn, &rep)
	}
	if rep.Stopped() {
		return rep.Result("")
	}
	if !t.encryptRoundTrip(ctx, &rep) || !t.dataKeyRoundTrip(ctx, &rep) {
		return rep.Result("")
	}
	rep.Detail("proven", "kms:Encrypt, kms:Decrypt, kms:GenerateDataKey")
	return rep.Result(fmt.Sprintf("KMS key %s is an enabled symmetric key in %s; Encrypt/Decrypt and GenerateDataKey round trips work", t.arn, t.region))
}

const encryptionKeyAdvice = "Create a symmetric encryption key (`aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT`, as the official module does) and set ENCRYPTION_KMS_ENCRYPTION_KEY_ID to its ARN. Only before Spacelift's first start: data encrypted with the old key needs the old key."

// encryptRoundTrip encrypts random bytes and decrypts them back.
func (t *kmsTarget) encryptRoundTrip(ctx context.Context, rep *checks.Verdict) bool {
	probe := make([]byte, 32)
	_, _ = rand.Read(probe)
	enc, err := t.client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(t.ref.raw), Plaintext: probe})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:Encrypt")))
		return false
	}
	if a := aws.ToString(enc.KeyId); a != "" && t.arn != a {
		t.arn = a
		rep.Detail("key ARN", a)
	}
	dec, err := t.client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(t.ref.raw), CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:Decrypt")))
		return false
	}
	if !bytes.Equal(dec.Plaintext, probe) {
		rep.Fail("", "This should never happen with AWS KMS; check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"KMS key %s decrypted its own ciphertext to different bytes", t.arn)
		return false
	}
	return true
}

// dataKeyRoundTrip asks for an AES-256 data key and decrypts its
// encrypted copy: envelope encryption, the way data keys are used.
func (t *kmsTarget) dataKeyRoundTrip(ctx context.Context, rep *checks.Verdict) bool {
	dk, err := t.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(t.ref.raw), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:GenerateDataKey")))
		return false
	}
	defer clear(dk.Plaintext)
	if len(dk.Plaintext) != 32 {
		rep.Fail("", "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"GenerateDataKey on %s returned a %d-byte key instead of 32 bytes (AES-256)", t.arn, len(dk.Plaintext))
		return false
	}
	dec, err := t.client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(t.ref.raw), CiphertextBlob: dk.CiphertextBlob})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:Decrypt")))
		return false
	}
	defer clear(dec.Plaintext)
	if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		rep.Fail("", "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"the data key from %s decrypts to different bytes", t.arn)
		return false
	}
	return true
}
