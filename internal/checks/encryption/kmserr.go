package encryption

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// call names one KMS request for messages: the IAM action and the key it
// was made on (the ARN once known, else the configured reference).
type call struct {
	action string // e.g. "kms:Encrypt"
	key    string
	envVar string
	// grants is what the official IAM module grants on this key, for advice.
	grants string
}

const (
	grantsEncryption = "The official IAM module (terraform-aws-iam-spacelift-selfhosted) grants kms:Encrypt, kms:Decrypt and kms:GenerateDataKey* on the encryption key."
	grantsSigning    = "The official IAM module (terraform-aws-iam-spacelift-selfhosted) grants kms:GetPublicKey, kms:Sign and kms:Verify on the signing key."
)

// isAccessDenied reports whether err is an authorisation refusal.
func isAccessDenied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "AccessDeniedException" || ae.ErrorCode() == "AccessDenied")
}

// kmsFailure turns a KMS SDK error into a verdict that names the action,
// the key and the fix. Status fail means KMS answered and said no; error
// means we could not get an answer.
func kmsFailure(err error, c call) checks.Result {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return checks.Errorf("Check that this machine reaches the KMS endpoint (firewall, proxy, VPC endpoint for KMS, AWS_ENDPOINT_URL_KMS if you set one).",
			"%s on %s got no answer before the deadline", c.action, c.key)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if looksLikeCredentials(err) {
			return checks.Errorf("Give this tool AWS credentials the way Spacelift gets them: run it with the same role (IRSA/EKS Pod Identity service account, ECS task role, instance profile), or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
				"%s on %s was not sent: no AWS credentials were found (%s)", c.action, c.key, shortErr(err))
		}
		return checks.Errorf("Check that this machine reaches the KMS endpoint of AWS_REGION (DNS, firewall, proxy, VPC endpoint; AWS_ENDPOINT_URL_KMS if you set one).",
			"%s on %s failed before KMS answered: %s", c.action, c.key, shortErr(err))
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	var res checks.Result
	switch code {
	case "AccessDeniedException", "AccessDenied":
		res = checks.Failf(fmt.Sprintf("Allow %s on %s for the IAM role Spacelift runs as, in its IAM policy and in the key policy (unless the key policy delegates to IAM with the account root principal). %s Run this check as that same role to prove it.", c.action, c.key, c.grants),
			"access denied: %s on %s", c.action, c.key)
	case "NotFoundException":
		res = checks.Failf(fmt.Sprintf("Check %s: the key must exist in AWS_REGION and in the account of the credentials (or grant this account access to it). Prefer the key ARN, as the official modules do.", c.envVar),
			"KMS key %s was not found (%s)", c.key, c.action)
	case "DisabledException":
		res = checks.Failf(fmt.Sprintf("Enable it: `aws kms enable-key --key-id %s`.", c.key), "KMS key %s is disabled (%s)", c.key, c.action)
	case "KMSInvalidStateException":
		res = checks.Failf(fmt.Sprintf("If the key is pending deletion: `aws kms cancel-key-deletion --key-id %s` then `aws kms enable-key --key-id %s`. If it is pending import, import its key material.", c.key, c.key),
			"KMS key %s is not in a usable state (%s)", c.key, c.action)
	case "InvalidKeyUsageException":
		res = checks.Failf(fmt.Sprintf("Point %s at a key created for this use (see the key spec and usage this check expects).", c.envVar),
			"KMS key %s cannot be used for %s: wrong key usage or spec", c.key, c.action)
	case "InvalidArnException", "ValidationException":
		res = checks.Failf(fmt.Sprintf("Set %s to the key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), a key ID or alias/NAME.", c.envVar),
			"KMS rejected %s as a key reference (%s)", c.key, code)
	case "KMSInvalidSignatureException":
		res = checks.Failf("The key's public and private halves disagree, which KMS should never produce; contact AWS support.",
			"KMS says the signature it just made with %s is invalid", c.key)
	case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch",
		"ExpiredTokenException", "ExpiredToken", "IncompleteSignature", "InvalidToken":
		res = checks.Failf("The AWS credentials this tool found are invalid or expired: refresh them (aws sso login, new session token) or run as the role Spacelift uses.",
			"AWS rejected the credentials for %s on %s (%s)", c.action, c.key, code)
	default:
		res = checks.Errorf("Run the check again; if it persists, look the error code up in the AWS KMS API reference.",
			"%s on %s failed: %s", c.action, c.key, code)
	}
	if msg != "" {
		res = res.With(checks.KV("aws error", code+": "+msg))
	}
	return res
}

func looksLikeCredentials(err error) bool {
	s := err.Error()
	return strings.Contains(s, "failed to retrieve credentials") || strings.Contains(s, "get credentials") ||
		strings.Contains(s, "no EC2 IMDS role found") || strings.Contains(s, "failed to refresh cached credentials")
}

// shortErr keeps an SDK error to one readable line.
func shortErr(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
