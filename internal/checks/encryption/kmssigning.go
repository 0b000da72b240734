package encryption

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
)

const signingKeyAdvice = "Create an asymmetric signing key (`aws kms create-key --key-spec RSA_4096 --key-usage SIGN_VERIFY`, as the official module does) and set ENCRYPTION_KMS_SIGNING_KEY_ID to its ARN."

// kmsAlgorithm maps a JWS algorithm to the KMS signing algorithm.
func kmsAlgorithm(alg string) types.SigningAlgorithmSpec {
	if alg == jws.PS256 {
		return types.SigningAlgorithmSpecRsassaPssSha256
	}
	return types.SigningAlgorithmSpecRsassaPkcs1V15Sha256
}

// kmsSigningKey is encryption.kms-signing-key: the asymmetric key Spacelift
// signs JWTs with is an enabled RSA SIGN_VERIFY key whose public half can
// be read, and this identity can Sign and Verify with it.
func (b *backend) kmsSigningKey(ctx context.Context) checks.Result {
	var rep checks.Verdict
	t := b.prepare(ctx, KMSSigningKeyID, grantsSigning, &rep)
	if t == nil {
		return rep.Result("")
	}
	if m := t.describe(ctx, &rep); m != nil {
		b.distinctKeys(ctx, t, &rep)
		checkSigningSpec(m.KeyUsage, m.KeySpec, t.arn, &rep)
		b.multiRegion(m, t.arn, &rep)
	}
	if rep.Stopped() {
		return rep.Result("")
	}
	pub := t.publicKey(ctx, &rep)
	if pub == nil || rep.Stopped() {
		return rep.Result("")
	}
	input := jws.SigningInput(jws.RS256, time.Now(), rand.Text())
	sig := t.sign(ctx, jws.RS256, input, &rep)
	if sig == nil {
		return rep.Result("")
	}
	v, err := t.client.Verify(ctx, &kms.VerifyInput{
		KeyId: aws.String(t.ref.raw), Message: jws.Digest(input), MessageType: types.MessageTypeDigest,
		Signature: sig, SigningAlgorithm: kmsAlgorithm(jws.RS256),
	})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:Verify")))
		return rep.Result("")
	}
	if !v.SignatureValid {
		rep.Fail("", "This should never happen with AWS KMS; check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"kms:Verify on %s rejected the signature kms:Sign just made", t.arn)
		return rep.Result("")
	}
	if err := jws.Verify(pub, jws.RS256, input, sig); err != nil {
		rep.Fail("", "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"the public key from kms:GetPublicKey on %s does not verify the key's own RS256 signature", t.arn)
		return rep.Result("")
	}
	rep.Detail("proven", "kms:GetPublicKey, kms:Sign, kms:Verify (RSASSA_PKCS1_V1_5_SHA_256)")
	return rep.Result(fmt.Sprintf("KMS key %s is an enabled RSA %d-bit SIGN_VERIFY key in %s; GetPublicKey, Sign and Verify work", t.arn, pub.N.BitLen(), t.region))
}

// checkSigningSpec applies the spec rules: a SIGN_VERIFY key of spec
// RSA_4096, as the official modules create it. Another RSA size could sign
// RS256 JWTs, but no source says Spacelift accepts it, and replacing the
// key is free only before the first start, so it fails now rather than
// after tokens exist.
func checkSigningSpec(usage types.KeyUsageType, spec types.KeySpec, arn string, rep *checks.Verdict) {
	if usage != types.KeyUsageTypeSignVerify {
		rep.Fail("", signingKeyAdvice, "KMS key %s has usage %s; the signing key must be SIGN_VERIFY", arn, usage)
	}
	switch {
	case spec == types.KeySpecRsa4096:
	case strings.HasPrefix(string(spec), "RSA_"):
		rep.Fail("", signingKeyAdvice+" Do it before Spacelift's first start: tokens signed with the old key stop verifying.",
			"KMS key %s is %s; Spacelift's signing key is RSA_4096, as the official modules create it", arn, spec)
	default:
		rep.Fail("", signingKeyAdvice, "KMS key %s has spec %s; Spacelift signs JWTs with an RSA key (RSA_4096)", arn, spec)
	}
}

// publicKey runs GetPublicKey and parses the RSA public key. When
// DescribeKey was denied, the usage and spec it returns are checked here.
func (t *kmsTarget) publicKey(ctx context.Context, rep *checks.Verdict) *rsa.PublicKey {
	out, err := t.client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(t.ref.raw)})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:GetPublicKey")))
		return nil
	}
	if a := aws.ToString(out.KeyId); a != "" && t.arn != a {
		t.arn = a
		rep.Detail("key ARN", a)
	}
	if !t.described {
		rep.Detail("key usage", out.KeyUsage)
		rep.Detail("key spec", out.KeySpec)
		checkSigningSpec(out.KeyUsage, out.KeySpec, t.arn, rep)
		if rep.Stopped() {
			return nil
		}
	}
	algs := make([]string, 0, len(out.SigningAlgorithms))
	for _, a := range out.SigningAlgorithms {
		algs = append(algs, string(a))
	}
	rep.Detail("signing algorithms", strings.Join(algs, ", "))
	pubAny, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		rep.Fail("", "Check for a proxy rewriting KMS traffic (AWS_ENDPOINT_URL_KMS).",
			"kms:GetPublicKey on %s returned a public key that does not parse: %v", t.arn, err)
		return nil
	}
	pub, ok := pubAny.(*rsa.PublicKey)
	if !ok {
		rep.Fail("", signingKeyAdvice, "KMS key %s has a %T public key, not RSA", t.arn, pubAny)
		return nil
	}
	if fp, err := rsakey.Fingerprint(pub); err == nil {
		rep.Detail("public key SHA-256", fp)
	}
	if !slices.Contains(out.SigningAlgorithms, kmsAlgorithm(jws.RS256)) {
		rep.Fail("", signingKeyAdvice, "KMS key %s does not offer RSASSA_PKCS1_V1_5_SHA_256 (RS256)", t.arn)
		return nil
	}
	return pub
}

// sign asks KMS to sign the SHA-256 digest of input with alg.
func (t *kmsTarget) sign(ctx context.Context, alg string, input []byte, rep *checks.Verdict) []byte {
	out, err := t.client.Sign(ctx, &kms.SignInput{
		KeyId: aws.String(t.ref.raw), Message: jws.Digest(input), MessageType: types.MessageTypeDigest,
		SigningAlgorithm: kmsAlgorithm(alg),
	})
	if err != nil {
		rep.Merge("", kmsFailure(err, t.call("kms:Sign")))
		return nil
	}
	return out.Signature
}

// distinctKeys is KMS-001 with KMS's help: the encryption key, resolved by
// kms:DescribeKey, must not be the signing key t (an alias and a key ARN
// can name one key). References that are plainly the same are left to
// config.values, and an encryption key KMS cannot describe to
// encryption.kms-key.
func (b *backend) distinctKeys(ctx context.Context, t *kmsTarget, rep *checks.Verdict) {
	enc, err := parseKeyRef(b.cfg.Get(KMSEncryptionKeyID))
	if err != nil || enc.sameKeyAs(t.ref) {
		return
	}
	out, err := t.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(enc.raw)})
	if err != nil || out.KeyMetadata == nil || aws.ToString(out.KeyMetadata.Arn) != t.arn {
		return
	}
	rep.Fail("", sameKeyAdvice, "%s (%s) and %s (%s) name the same KMS key %s: Spacelift needs two keys",
		KMSEncryptionKeyID, enc.raw, KMSSigningKeyID, t.ref.raw, t.arn)
}
