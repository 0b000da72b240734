package awsenv

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Variable names.
const (
	Region          = "AWS_REGION"
	DefaultRegion   = "AWS_DEFAULT_REGION"
	AccountID       = "AWS_ACCOUNT_ID"
	Partition       = "AWS_PARTITION"
	SecondaryRegion = "AWS_SECONDARY_REGION"
	AccessKeyID     = "AWS_ACCESS_KEY_ID"
	SecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	SessionToken    = "AWS_SESSION_TOKEN"
)

// Backend owns the AWS account settings every AWS-backed component shares.
// It registers no check of its own: S3, KMS, SQS and IoT Core check what
// they use, through the run's one Env (Of).
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: "aws", Title: "AWS"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(Region, "aws.region", "AWS region."),
		config.Spacelift(DefaultRegion, "aws.defaultRegion", "Must equal AWS_REGION."),
		config.Spacelift(AccountID, "aws.accountId", "12-digit AWS account ID."),
		config.Spacelift(Partition, "aws.partition", "aws, aws-us-gov or aws-cn (default aws)."),
		config.Spacelift(SecondaryRegion, "aws.secondaryRegion", "Disaster-recovery region."),
		config.SDK(AccessKeyID, "aws.accessKeyId", "Static AWS credentials (otherwise the default chain)."),
		config.SDK(SecretAccessKey, "aws.secretAccessKey", "Static AWS secret key.").Sensitive(),
		config.SDK(SessionToken, "aws.sessionToken", "Static AWS session token.").Sensitive(),
		config.Module("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "aws.s3UsEast1RegionalEndpoint", "Set to regional by the ECS module."),
	}
}

// Required implements checks.Backend: the account settings are required
// by whichever backend uses AWS (see Requirements).
func (Backend) Required(*config.Config) []checks.Requirement { return nil }

// Requirements are what a backend that talks to AWS requires.
func Requirements() []checks.Requirement {
	const why = "a component uses AWS"
	return []checks.Requirement{{Var: Region, Why: why}, {Var: DefaultRegion, Why: why}, {Var: AccountID, Why: why}}
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	reg, dr := cfg.Get(Region), cfg.Get(DefaultRegion)
	if reg != "" && dr != "" && reg != dr {
		r.Values.Fail(DefaultRegion, "set AWS_DEFAULT_REGION="+reg, "is %q but AWS_REGION is %q; Spacelift requires them equal", dr, reg)
	}
	if a := cfg.Get(AccountID); a != "" && !isAccountID(a) {
		r.Values.Warn(AccountID, "use the 12-digit account ID from `aws sts get-caller-identity`", "%q is not 12 digits", a)
	}
	if p := cfg.Get(Partition); p != "" && p != "aws" && p != "aws-us-gov" && p != "aws-cn" {
		r.Values.Warn(Partition, "unset it (default aws) or use a valid partition", "%q is not aws, aws-us-gov or aws-cn", p)
	}
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Endpoints implements checks.Backend: the SDK picks AWS's endpoints.
func (Backend) Endpoints(*config.Config, *checks.EndpointSet) {}

// Register implements checks.Backend.
func (Backend) Register(*checks.Plan, *config.Config, checks.Options) {}

type envKey struct{}

// Of returns the run's one Env, shared by every check that talks to AWS.
func Of(p *checks.Plan, cfg *config.Config) *Env {
	return checks.Shared(p, envKey{}, func() *Env {
		e := New(cfg)
		e.log = p.Options().Logger
		return e
	})
}
