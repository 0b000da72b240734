package encryption

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// kmsTarget is one configured key, ready to be probed.
type kmsTarget struct {
	envVar string
	ref    keyRef
	client *kms.Client
	region string // the region the client calls
	grants string
	// arn is the key ARN once KMS told us; until then the reference.
	arn string
	// described is set once DescribeKey returned the key's metadata.
	described bool
}

func (t *kmsTarget) call(action string) call {
	return call{action: action, key: t.arn, envVar: t.envVar, grants: t.grants}
}

// prepare parses the configured key reference, gets the shared client and
// settles what can be told without calling KMS (region, account, alias).
// It returns nil when rep already holds the verdict.
func (b *backend) prepare(ctx context.Context, envVar, grants string, rep *checks.Verdict) *kmsTarget {
	ref, err := parseKeyRef(b.cfg.Get(envVar))
	rep.Detail("key", b.cfg.Get(envVar))
	if err != nil {
		rep.Fail("", fmt.Sprintf("Set %s to the key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), as the official modules do.", envVar),
			"%s is not a KMS key reference: %v", envVar, err)
		return nil
	}
	client, info, err := b.kms.Get(ctx)
	if errors.Is(err, awsenv.ErrNoRegion) {
		rep.Merge("", checks.Errorf("Set AWS_REGION (and AWS_DEFAULT_REGION to the same value) to the region of the KMS keys.", "no AWS region is configured, so KMS cannot be called"))
		return nil
	}
	if err != nil {
		rep.Merge("", checks.Errorf("Fix the AWS SDK configuration (AWS_PROFILE, AWS_CONFIG_FILE, AWS_ENDPOINT_URL_KMS) and run again.", "%s", shortErr(err)))
		return nil
	}
	rep.Detail("region", info.Region)
	rep.Detail("credentials", info.Credentials)
	if ep := aws.ToString(client.Options().BaseEndpoint); ep != "" {
		rep.Detail("endpoint", ep+" (from the AWS SDK settings)")
	}
	if info.Region == "" {
		rep.Merge("", checks.Errorf("Set AWS_REGION (and AWS_DEFAULT_REGION to the same value) to the region of the KMS keys.", "no AWS region is configured, so KMS cannot be called"))
		return nil
	}
	want := b.cfg.Get(awsenv.Region)
	if want == "" {
		want = info.Region
	}
	if ref.arn && ref.region != want {
		rep.Fail("", fmt.Sprintf("Use a key in %s (for a multi-region key, the ARN of its replica in %s), or correct AWS_REGION.", want, want),
			"the %s in %s is in region %s, but AWS_REGION is %s: Spacelift calls KMS in AWS_REGION and will not find the key", ref.kind(), envVar, ref.region, want)
		return nil
	}
	if acct := b.cfg.Get(awsenv.AccountID); ref.arn && acct != "" && ref.account != acct {
		rep.Warn("", "A key in another account works only if its key policy grants Spacelift's role; the official modules create the keys in the install's own account. Check that this is intended.",
			"the key belongs to account %s, but AWS_ACCOUNT_ID is %s", ref.account, acct)
	}
	return &kmsTarget{envVar: envVar, ref: ref, client: client, region: info.Region, grants: grants, arn: ref.raw}
}

// describe runs DescribeKey. Spacelift's least-privilege policy does not
// grant kms:DescribeKey, so a denial only warns and returns nil metadata:
// the round trips still prove the key works. It returns nil with rep
// stopped on any other error.
func (t *kmsTarget) describe(ctx context.Context, rep *checks.Verdict) *types.KeyMetadata {
	out, err := t.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(t.ref.raw)})
	if err != nil {
		if isAccessDenied(err) {
			rep.Warn("", fmt.Sprintf("To let this check verify the key's metadata, allow kms:DescribeKey on %s for the identity running the preflight.", t.arn),
				"kms:DescribeKey on %s is denied, so the key's state, spec and region could not be read (Spacelift itself does not need this permission)", t.arn)
			return nil
		}
		rep.Merge("", kmsFailure(err, t.call("kms:DescribeKey")))
		return nil
	}
	m := out.KeyMetadata
	if m == nil {
		rep.Merge("", checks.Errorf("Run the check again.", "DescribeKey on %s returned no key metadata", t.arn))
		return nil
	}
	t.described = true
	if a := aws.ToString(m.Arn); a != "" {
		t.arn = a
		rep.Detail("key ARN", a)
	}
	rep.Detail("key state", m.KeyState)
	rep.Detail("key usage", m.KeyUsage)
	rep.Detail("key spec", m.KeySpec)
	rep.Detail("key manager", m.KeyManager)
	if t.ref.alias {
		rep.Warn("", fmt.Sprintf("Set %s=%s (the key ARN).", t.envVar, t.arn),
			"%s is an %s; the official modules pass the key ARN, and whether Spacelift accepts an alias is unconfirmed", t.envVar, t.ref.kind())
	}
	if m.KeyState != types.KeyStateEnabled {
		rep.Fail("", stateAdvice(m.KeyState, t.arn), "KMS key %s is %s, not Enabled", t.arn, m.KeyState)
	}
	if m.KeyManager == types.KeyManagerTypeAws {
		rep.Warn("", "Create a customer managed key (the official terraform-aws-spacelift-selfhosted module does) and use its ARN.",
			"%s is an AWS managed key; Spacelift needs a customer managed key it can be granted on", t.arn)
	}
	return m
}

func stateAdvice(st types.KeyState, arn string) string {
	switch st {
	case types.KeyStateDisabled:
		return fmt.Sprintf("Enable it: `aws kms enable-key --key-id %s`.", arn)
	case types.KeyStatePendingDeletion, types.KeyStatePendingReplicaDeletion:
		return fmt.Sprintf("Cancel the deletion, then enable it: `aws kms cancel-key-deletion --key-id %s && aws kms enable-key --key-id %s`.", arn, arn)
	case types.KeyStatePendingImport:
		return "Import the key material (aws kms import-key-material) or use a key with AWS-generated material."
	case types.KeyStateUnavailable:
		return "The key's custom key store is disconnected: reconnect it (aws kms connect-custom-key-store)."
	}
	return "Wait until the key is Enabled, then run the check again."
}

// multiRegion reports the key's multi-region setting; the setting cannot
// be changed after the key is created, and a disaster-recovery region
// needs a replica.
func (b *backend) multiRegion(m *types.KeyMetadata, arn string, rep *checks.Verdict) {
	secondary := b.cfg.Get(awsenv.SecondaryRegion)
	multi := aws.ToBool(m.MultiRegion)
	var regions []string
	if c := m.MultiRegionConfiguration; multi && c != nil {
		if c.PrimaryKey != nil {
			regions = append(regions, aws.ToString(c.PrimaryKey.Region))
		}
		for _, r := range c.ReplicaKeys {
			regions = append(regions, aws.ToString(r.Region))
		}
	}
	switch {
	case multi:
		rep.Detail("multi-region", "yes, in "+strings.Join(regions, ", "))
	case secondary == "":
		rep.Detail("multi-region", "no (this cannot be changed after the key is created)")
	default:
		rep.Detail("multi-region", "no")
	}
	if secondary == "" {
		return
	}
	switch {
	case !multi:
		rep.Warn("", fmt.Sprintf("For disaster recovery in %s, create a multi-region key (aws kms create-key --multi-region, or multi_region = true in the official module) and replicate it to %s before Spacelift's first start.", secondary, secondary),
			"AWS_SECONDARY_REGION is %s, but %s is a single-region key, and a key cannot become multi-region later", secondary, arn)
	case len(regions) > 0 && !slices.Contains(regions, secondary):
		rep.Warn("", fmt.Sprintf("Replicate it: `aws kms replicate-key --key-id %s --replica-region %s`.", arn, secondary),
			"the multi-region key %s has no replica in AWS_SECONDARY_REGION %s", arn, secondary)
	}
}
