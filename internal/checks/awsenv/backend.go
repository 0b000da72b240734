package awsenv

import (
	"strings"

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
	// RoleServer and the other role variables name the IAM role each
	// Spacelift service runs as, for aws.identity's policy simulation when
	// this tool runs as another identity.
	RoleServer    = "SPACECTL_PREFLIGHT_AWS_ROLE_SERVER"
	RoleDrain     = "SPACECTL_PREFLIGHT_AWS_ROLE_DRAIN"
	RoleScheduler = "SPACECTL_PREFLIGHT_AWS_ROLE_SCHEDULER"
	RoleIoTRule   = "SPACECTL_PREFLIGHT_AWS_ROLE_IOT_RULE"
)

// Backend owns the AWS account settings every AWS-backed component shares.
// S3, KMS, SQS and IoT Core check what they use, through the run's one Env
// (Of); its own check, aws.identity, checks who the tool runs as and
// simulates what Spacelift's roles need (Permissions, Encrypted).
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
		config.Tool(RoleServer, "aws.roles.server", "IAM role ARN the Spacelift server runs as, for aws.identity's policy simulation (default: this tool's own identity)."),
		config.Tool(RoleDrain, "aws.roles.drain", "IAM role ARN the drain runs as, for aws.identity's policy simulation."),
		config.Tool(RoleScheduler, "aws.roles.scheduler", "IAM role ARN the scheduler runs as, for aws.identity's policy simulation."),
		config.Tool(RoleIoTRule, "aws.roles.iotRule", "IAM role ARN the IoT topic rule assumes, for aws.identity's policy simulation."),
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
	for _, rv := range roleVars() {
		if a := cfg.Get(rv.name); a != "" && !isEntityARN(a) {
			r.Values.Fail(rv.name, "use the role's ARN, arn:aws:iam::ACCOUNT:role/NAME (`aws iam get-role --role-name NAME` prints it)",
				"%q is not an IAM role or user ARN", a)
		}
	}
}

// roleVar is the variable that names one role's principal.
type roleVar struct {
	role Role
	name string
}

func roleVars() []roleVar {
	return []roleVar{{Server, RoleServer}, {Drain, RoleDrain}, {Scheduler, RoleScheduler}, {IoTRule, RoleIoTRule}}
}

// isEntityARN reports whether s is arn:PARTITION:iam::ACCOUNT:role/... or
// :user/..., what iam:SimulatePrincipalPolicy accepts.
func isEntityARN(s string) bool {
	p := strings.SplitN(s, ":", 6)
	return len(p) == 6 && p[0] == "arn" && p[1] != "" && p[2] == "iam" && p[3] == "" && isAccountID(p[4]) &&
		(strings.HasPrefix(p[5], "role/") || strings.HasPrefix(p[5], "user/")) && !strings.ContainsAny(s, " \t\r\n")
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

// Register implements checks.Backend: aws.identity, enabled when any
// component of the configuration uses AWS.
func (Backend) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	c := &identityCheck{env: Of(p, cfg), cfg: cfg, backends: p.Backends()}
	check := checks.Check{ID: IdentityID, Title: "The AWS identity is in the right account and has what Spacelift's roles need",
		Timeout: identityTimeout, Run: c.run}
	if !UsesAWS(p.Backends(), cfg) {
		check.Disabled = "no component of this configuration uses AWS"
	}
	p.Add(check)
}

type envKey struct{}

// Of returns the run's one Env, shared by every check that talks to AWS.
func Of(p *checks.Plan, cfg *config.Config) *Env {
	return checks.Shared(p, envKey{}, func() *Env {
		e := New(cfg)
		e.log = p.Options().Logger
		return e
	})
}
