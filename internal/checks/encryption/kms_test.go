package encryption_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
)

const checkTimeout = 30 * time.Second

func TestKMSKey(t *testing.T) {
	e := localKMS(t)
	sym := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	disabled := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	e.disable(t, disabled)
	deleting := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	e.scheduleDeletion(t, deleting)
	signing := e.createKey(t, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	rsaEnc := e.createKey(t, types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	missingID := "0b5ef8c4-5d4e-4e7a-9f0e-" + fmt.Sprintf("%012d", time.Now().UnixNano()%1e12)
	otherRegion := strings.Replace(sym.arn, ":"+e.region+":", ":ap-southeast-2:", 1)

	cases := []struct {
		name    string
		key     string
		extra   map[string]string
		status  checks.Status
		mention []string
	}{
		{"key ARN", sym.arn, nil, checks.Pass, []string{sym.arn, "Encrypt/Decrypt and GenerateDataKey"}},
		{"key ID", sym.id, nil, checks.Pass, []string{sym.arn}},
		{"working alias", sym.alias, nil, checks.Warn, []string{"alias", "unconfirmed", "ENCRYPTION_KMS_ENCRYPTION_KEY_ID=" + sym.arn}},
		{"alias ARN", sym.aliasARN, nil, checks.Warn, []string{"alias ARN", sym.arn}},
		{"disabled key", disabled.arn, nil, checks.Fail, []string{"Disabled", "aws kms enable-key --key-id " + disabled.arn}},
		{"pending deletion", deleting.arn, nil, checks.Fail, []string{"PendingDeletion", "aws kms cancel-key-deletion --key-id " + deleting.arn}},
		{"nonexistent key", missingID, nil, checks.Fail, []string{"not found", missingID}},
		{"nonexistent alias", "alias/spt-does-not-exist-" + strings.ToLower(rand.Text()[:8]), nil, checks.Fail, []string{"not found"}},
		{"signing key instead", signing.arn, nil, checks.Fail, []string{"usage SIGN_VERIFY", "must be ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT"}},
		{"asymmetric encryption key", rsaEnc.arn, nil, checks.Fail, []string{"spec RSA_2048", "must be SYMMETRIC_DEFAULT"}},
		{"key in another region", otherRegion, nil, checks.Fail, []string{"region ap-southeast-2", "AWS_REGION is " + e.region}},
		{"not a KMS ARN", "arn:aws:s3:::my-bucket", nil, checks.Fail, []string{"not a KMS key reference"}},
		{"whitespace", sym.arn + " ", nil, checks.Fail, []string{"whitespace"}},
		{"single-region key with DR region", sym.arn, map[string]string{awsenv.SecondaryRegion: "eu-central-1"}, checks.Warn, []string{"single-region", "eu-central-1", "--multi-region"}},
		{"key from another account", sym.arn, map[string]string{awsenv.AccountID: "999999999999"}, checks.Warn, []string{"account " + e.account, "AWS_ACCOUNT_ID is 999999999999"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCheck(t, plan(t, e.kmsConfig(t, c.key, "", c.extra)), "encryption.kms-key", checkTimeout)
			wantStatus(t, res, c.status, c.mention...)
			if c.status == checks.Pass {
				if got := detail(t, res, "key ARN"); got != sym.arn {
					t.Errorf("key ARN detail %q", got)
				}
				if got := detail(t, res, "multi-region"); !strings.HasPrefix(got, "no") {
					t.Errorf("multi-region detail %q", got)
				}
				if got := detail(t, res, "endpoint"); !strings.Contains(got, e.endpoint) {
					t.Errorf("endpoint detail %q does not show AWS_ENDPOINT_URL_KMS", got)
				}
			}
			assertNoSecret(t, res, testSecretKey)
		})
	}
}

func TestKMSKeyAccessDenied(t *testing.T) {
	e := localKMS(t)
	sym := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	cases := []struct {
		deny    string
		status  checks.Status
		mention []string
	}{
		{"Encrypt", checks.Fail, []string{"access denied: kms:Encrypt on " + sym.arn, "Allow kms:Encrypt on " + sym.arn}},
		{"Decrypt", checks.Fail, []string{"access denied: kms:Decrypt on " + sym.arn}},
		{"GenerateDataKey", checks.Fail, []string{"access denied: kms:GenerateDataKey on " + sym.arn, "kms:GenerateDataKey*"}},
		// The official policy does not grant DescribeKey: the round trips
		// still prove the key, so a denial only warns.
		{"DescribeKey", checks.Warn, []string{"kms:DescribeKey on " + sym.arn + " is denied"}},
	}
	for _, c := range cases {
		t.Run(c.deny, func(t *testing.T) {
			useEndpoint(t, denyingProxy(t, e.endpoint, c.deny))
			res := runCheck(t, plan(t, e.kmsConfig(t, sym.arn, "", nil)), "encryption.kms-key", checkTimeout)
			wantStatus(t, res, c.status, c.mention...)
			if c.status == checks.Fail {
				if got := evidence(t, res, "aws error"); !strings.Contains(got, "AccessDeniedException") {
					t.Errorf("aws error detail %q", got)
				}
			}
			assertNoSecret(t, res, testSecretKey)
		})
	}
}

func TestKMSSigningKey(t *testing.T) {
	e := localKMS(t)
	sign4096 := e.createKey(t, types.KeySpecRsa4096, types.KeyUsageTypeSignVerify)
	sign2048 := e.createKey(t, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	ecc := e.createKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	sym := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	disabled := e.createKey(t, types.KeySpecRsa4096, types.KeyUsageTypeSignVerify)
	e.disable(t, disabled)
	pub, err := x509.ParsePKIXPublicKey(e.publicKeyDER(t, sign4096))
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := rsakey.Fingerprint(pub)

	cases := []struct {
		name    string
		key     string
		status  checks.Status
		mention []string
	}{
		{"rsa 4096", sign4096.arn, checks.Pass, []string{"RSA 4096-bit SIGN_VERIFY", "Sign and Verify"}},
		{"rsa 4096 by alias", sign4096.alias, checks.Warn, []string{"alias"}},
		{"rsa 2048", sign2048.arn, checks.Fail, []string{"RSA_2048", "RSA_4096"}},
		{"ecc key", ecc.arn, checks.Fail, []string{"ECC_NIST_P256", "RSA key"}},
		{"symmetric key", sym.arn, checks.Fail, []string{"usage ENCRYPT_DECRYPT", "must be SIGN_VERIFY"}},
		{"disabled", disabled.arn, checks.Fail, []string{"Disabled", "enable-key"}},
		{"nonexistent", "alias/spt-missing-" + strings.ToLower(rand.Text()[:8]), checks.Fail, []string{"not found"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCheck(t, plan(t, e.kmsConfig(t, "", c.key, nil)), "encryption.kms-signing-key", checkTimeout)
			wantStatus(t, res, c.status, c.mention...)
			if c.name == "rsa 4096" {
				if got := detail(t, res, "public key SHA-256"); got != fp {
					t.Errorf("fingerprint %s, want %s", got, fp)
				}
				if got := detail(t, res, "signing algorithms"); !strings.Contains(got, "RSASSA_PKCS1_V1_5_SHA_256") {
					t.Errorf("signing algorithms %q", got)
				}
			}
			assertNoSecret(t, res, testSecretKey)
		})
	}
}

func TestKMSSigningKeyAccessDenied(t *testing.T) {
	e := localKMS(t)
	k := e.createKey(t, types.KeySpecRsa4096, types.KeyUsageTypeSignVerify)
	for _, c := range []struct {
		deny    string
		status  checks.Status
		mention string
	}{
		{"GetPublicKey", checks.Fail, "access denied: kms:GetPublicKey on " + k.arn},
		{"Sign", checks.Fail, "access denied: kms:Sign on " + k.arn},
		{"Verify", checks.Fail, "access denied: kms:Verify on " + k.arn},
		{"DescribeKey", checks.Warn, "kms:DescribeKey on " + k.arn + " is denied"},
	} {
		t.Run(c.deny, func(t *testing.T) {
			useEndpoint(t, denyingProxy(t, e.endpoint, c.deny))
			res := runCheck(t, plan(t, e.kmsConfig(t, "", k.arn, nil)), "encryption.kms-signing-key", checkTimeout)
			wantStatus(t, res, c.status, c.mention)
			if c.deny == "DescribeKey" {
				// GetPublicKey still reports the spec.
				if got := detail(t, res, "key spec"); got != "RSA_4096" {
					t.Errorf("key spec from GetPublicKey: %q", got)
				}
			}
			assertNoSecret(t, res, testSecretKey)
		})
	}
	t.Run("DescribeKey denied on an ECC key", func(t *testing.T) {
		ecc := e.createKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
		useEndpoint(t, denyingProxy(t, e.endpoint, "DescribeKey"))
		res := runCheck(t, plan(t, e.kmsConfig(t, "", ecc.arn, nil)), "encryption.kms-signing-key", checkTimeout)
		wantStatus(t, res, checks.Fail, "ECC_NIST_P256")
	})
}

func TestJWTKeypairKMS(t *testing.T) {
	e := localKMS(t)
	k := e.createKey(t, types.KeySpecRsa4096, types.KeyUsageTypeSignVerify)
	other := e.createKey(t, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	der := e.publicKeyDER(t, k)
	pub, _ := x509.ParsePKIXPublicKey(der)
	fp, _ := rsakey.Fingerprint(pub)
	otherPub, _ := x509.ParsePKIXPublicKey(e.publicKeyDER(t, other))
	otherFP, _ := rsakey.Fingerprint(otherPub)
	pemOf := func(der []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})) }

	cases := []struct {
		name     string
		expected string
		status   checks.Status
		mention  []string
	}{
		{"no expected key", "", checks.Pass, []string{"RS256 and PS256", k.arn, fp}},
		{"matching PEM", pemOf(der), checks.Pass, []string{"matches"}},
		{"another key's PEM", pemOf(e.publicKeyDER(t, other)), checks.Fail, []string{"keypair mismatch", fp, otherFP}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			extra := map[string]string{}
			if c.expected != "" {
				extra[jwt.PublicKeyVar] = c.expected
			}
			res := runCheck(t, plan(t, e.kmsConfig(t, "", k.arn, extra)), "jwt.keypair", checkTimeout)
			wantStatus(t, res, c.status, c.mention...)
			if got := detail(t, res, "signing public key SHA-256"); got != fp {
				t.Errorf("fingerprint %s, want %s", got, fp)
			}
			assertNoSecret(t, res, testSecretKey)
		})
	}
	t.Run("sign denied", func(t *testing.T) {
		useEndpoint(t, denyingProxy(t, e.endpoint, "Sign"))
		res := runCheck(t, plan(t, e.kmsConfig(t, "", k.arn, nil)), "jwt.keypair", checkTimeout)
		wantStatus(t, res, checks.Fail, "access denied: kms:Sign on "+k.arn)
	})
}

// TestKMSChecksEndWithinTheirDeadline points the SDK at a listener that
// accepts and never answers: every KMS check must give up when its context
// does, not when the SDK's own retries run out.
func TestKMSChecksEndWithinTheirDeadline(t *testing.T) {
	useEndpoint(t, silentListener(t))
	cfg := newConfig(t, map[string]string{
		encryption.TypeVar: "kms", awsenv.Region: "eu-west-2",
		encryption.KMSEncryptionKeyID: "arn:aws:kms:eu-west-2:111122223333:key/0b5ef8c4-5d4e-4e7a-9f0e-000000000001",
		encryption.KMSSigningKeyID:    "arn:aws:kms:eu-west-2:111122223333:key/0b5ef8c4-5d4e-4e7a-9f0e-000000000002",
		awsenv.AccessKeyID:            testAccessKey, awsenv.SecretAccessKey: testSecretKey,
	})
	p := plan(t, cfg)
	const timeout = 1500 * time.Millisecond
	for _, id := range []string{"encryption.kms-key", "encryption.kms-signing-key", "jwt.keypair"} {
		start := time.Now()
		res := runCheck(t, p, id, timeout)
		if d := time.Since(start); d > timeout+time.Second {
			t.Errorf("%s took %s, deadline was %s", id, d, timeout)
		}
		wantStatus(t, res, checks.Error, "no answer before the deadline")
	}
}

func TestKMSWithoutCredentials(t *testing.T) {
	useEndpoint(t, silentListener(t))
	cfg := newConfig(t, map[string]string{
		encryption.TypeVar: "kms", awsenv.Region: "eu-west-2",
		encryption.KMSEncryptionKeyID: "arn:aws:kms:eu-west-2:111122223333:key/0b5ef8c4-5d4e-4e7a-9f0e-000000000001",
	})
	res := runCheck(t, plan(t, cfg), "encryption.kms-key", 10*time.Second)
	wantStatus(t, res, checks.Error, "no AWS credentials were found", "AWS_PROFILE")
	if got := detail(t, res, "credentials"); !strings.Contains(got, "default chain") {
		t.Errorf("credentials detail %q", got)
	}
}

// TestKMSPlanSharesOneClientAndBlocksOnTheSigningKey runs the real runner
// over the whole KMS-mode plan: a non-RSA signing key fails its check and
// blocks jwt.keypair, while the encryption key passes on the same client.
func TestKMSPlanSharesOneClientAndBlocksOnTheSigningKey(t *testing.T) {
	e := localKMS(t)
	sym := e.createKey(t, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	ecc := e.createKey(t, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	p := plan(t, e.kmsConfig(t, sym.arn, ecc.arn, nil))
	out := checks.Run(context.Background(), p.Checks(), checks.RunOptions{CheckTimeout: checkTimeout})
	got := map[string]checks.Result{}
	for _, o := range out {
		got[o.Check.ID] = o.Result
	}
	for id, want := range map[string]checks.Status{
		"encryption.rsa-key": checks.Skip, "encryption.kms-key": checks.Pass,
		"encryption.kms-signing-key": checks.Fail, "jwt.keypair": checks.Skip,
	} {
		if got[id].Status != want {
			t.Errorf("%s: %s (%s), want %s", id, got[id].Status, got[id].Message, want)
		}
	}
	if b := got["jwt.keypair"].BlockedBy; len(b) != 1 || b[0] != "encryption.kms-signing-key" {
		t.Errorf("jwt.keypair blocked by %v", b)
	}
}
