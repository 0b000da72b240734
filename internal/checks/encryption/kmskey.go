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
	var rep report
	t := b.prepare(ctx, KMSEncryptionKeyID, grantsEncryption, &rep)
	if t == nil {
		return rep.result("")
	}
	if m := t.describe(ctx, &rep); m != nil {
		if m.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
			rep.fail(fmt.Sprintf("KMS key %s has usage %s; the encryption key must be ENCRYPT_DECRYPT", t.arn, m.KeyUsage), encryptionKeyAdvice)
		}
		if m.KeySpec != types.KeySpecSymmetricDefault {
			rep.fail(fmt.Sprintf("KMS key %s has spec %s; the encryption key must be SYMMETRIC_DEFAULT", t.arn, m.KeySpec), encryptionKeyAdvice)
		}
		b.multiRegion(m, t.arn, &rep)
	}
	if rep.stopped() {
		return rep.result("")
	}
	if !t.encryptRoundTrip(ctx, &rep) || !t.dataKeyRoundTrip(ctx, &rep) {
		return rep.result("")
	}
	rep.detail("proven", "kms:Encrypt, kms:Decrypt, kms:GenerateDataKey")
	return rep.result(fmt.Sprintf("KMS key %s is an enabled symmetric key in %s; Encrypt/Decrypt and GenerateDataKey round trips work", t.arn, t.region))
}

const encryptionKeyAdvice = "Create a symmetric encryption key (`aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT`, as the official module does) and set ENCRYPTION_KMS_ENCRYPTION_KEY_ID to its ARN. Only before Spacelift's first start: data encrypted with the old key needs the old key."

// encryptRoundTrip encrypts random bytes and decrypts them back.
func (t *kmsTarget) encryptRoundTrip(ctx context.Context, rep *report) bool {
	probe := make([]byte, 32)
	_, _ = rand.Read(probe)
	enc, err := t.client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(t.ref.raw), Plaintext: probe})
	if err != nil {
		rep.merge(kmsFailure(err, t.call("kms:Encrypt")))
		return false
	}
	if a := aws.ToString(enc.KeyId); a != "" && t.arn != a {
		t.arn = a
		rep.detail("key ARN", a)
	}
	dec, err := t.client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(t.ref.raw), CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		rep.merge(kmsFailure(err, t.call("kms:Decrypt")))
		return false
	}
	if !bytes.Equal(dec.Plaintext, probe) {
		rep.fail(fmt.Sprintf("KMS key %s decrypted its own ciphertext to different bytes", t.arn), "This should never happen with AWS KMS; check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).")
		return false
	}
	return true
}

// dataKeyRoundTrip asks for an AES-256 data key and decrypts its
// encrypted copy: envelope encryption, the way data keys are used.
func (t *kmsTarget) dataKeyRoundTrip(ctx context.Context, rep *report) bool {
	dk, err := t.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(t.ref.raw), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		rep.merge(kmsFailure(err, t.call("kms:GenerateDataKey")))
		return false
	}
	defer clear(dk.Plaintext)
	if len(dk.Plaintext) != 32 {
		rep.fail(fmt.Sprintf("GenerateDataKey on %s returned a %d-byte key instead of 32 bytes (AES-256)", t.arn, len(dk.Plaintext)), "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).")
		return false
	}
	dec, err := t.client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(t.ref.raw), CiphertextBlob: dk.CiphertextBlob})
	if err != nil {
		rep.merge(kmsFailure(err, t.call("kms:Decrypt")))
		return false
	}
	defer clear(dec.Plaintext)
	if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		rep.fail(fmt.Sprintf("the data key from %s decrypts to different bytes", t.arn), "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).")
		return false
	}
	return true
}
