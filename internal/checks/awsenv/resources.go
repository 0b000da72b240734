package awsenv

import (
	"context"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Role is one of the IAM roles a Spacelift install runs with, as the
// official IAM module (terraform-aws-iam-spacelift-selfhosted) creates them.
type Role string

// Roles.
const (
	Server    Role = "server"
	Drain     Role = "drain"
	Scheduler Role = "scheduler"
	// IoTRule is the role the IoT Core topic rule assumes to forward
	// worker messages into the IoT queue (MQTT_BROKER_TYPE=iotcore).
	IoTRule Role = "iot-rule"
)

// Roles lists the roles in report order, as a new slice each time.
func Roles() []Role { return []Role{Server, Drain, Scheduler, IoTRule} }

// Need is what some of Spacelift's roles need on one AWS resource: one
// statement of the official IAM module's policies.
type Need struct {
	Roles   []Role
	Actions []string // IAM actions, e.g. s3:GetObject
	// Resource is the ARN the actions apply to: a bucket's ARN for bucket
	// actions, BUCKET/* for object actions, "*" for actions on no resource.
	// A KMS key may be named by its alias ARN until aws.identity resolves it.
	Resource string
	// What names the resource for people, e.g. "states bucket spacelift-states".
	What string
}

// KeyUse is an AWS resource encrypted at rest with a KMS key: an S3 bucket's
// default encryption (SSE-KMS) or an SQS queue's KmsMasterKeyId. Whoever
// reads or writes the resource needs kms:Decrypt and kms:GenerateDataKey on
// the key (the official modules encrypt buckets and queues with their
// "master" key and grant it to every role).
type KeyUse struct {
	// Resource is the bucket's or queue's ARN: the Needs on it, or on
	// RESOURCE/..., make their roles need the key.
	Resource string
	What     string
	// Key names the key as the resource does (key ID, key ARN or alias);
	// "" when the resource is not encrypted with a KMS key.
	Key string
	// AWSManaged is set for the service's AWS managed key (aws/s3,
	// aws/sqs): its key policy lets every principal of the account use it
	// through the service, so no role needs a grant.
	AWSManaged bool
	// Unknown, when set, says why the encryption could not be read.
	Unknown string
	// ReportedBy names the check that already reports the resource's
	// problem (a missing bucket or queue), so no other check fails for it.
	ReportedBy string
}

// ARNs is what resource ARNs are built from.
type ARNs struct {
	Partition, Region, Account string
}

// Permissions is implemented, beside checks.Backend, by a backend whose
// AWS resources Spacelift's roles must be allowed to use. aws.identity
// simulates these Needs for each role.
type Permissions interface {
	// AWSNeeds lists what Spacelift's roles need for cfg; nil when the
	// backend does not use AWS. It must not touch the network.
	AWSNeeds(cfg *config.Config, a ARNs) []Need
}

// Encrypted is implemented, beside checks.Backend, by a backend whose AWS
// resources may be encrypted with a KMS key.
type Encrypted interface {
	// AWSKeyUses reads how each of the backend's AWS resources is
	// encrypted at rest, with the caller's ctx; nil when it uses none.
	AWSKeyUses(ctx context.Context, env *Env, cfg *config.Config) []KeyUse
}

// NeedsOf collects every backend's Needs.
func NeedsOf(bs []checks.Backend, cfg *config.Config, a ARNs) []Need {
	var out []Need
	for _, b := range bs {
		if p, ok := b.(Permissions); ok {
			out = append(out, p.AWSNeeds(cfg, a)...)
		}
	}
	return out
}

// KeyUsesOf reads every backend's encrypted resources.
func KeyUsesOf(ctx context.Context, bs []checks.Backend, env *Env, cfg *config.Config) []KeyUse {
	var out []KeyUse
	for _, b := range bs {
		if e, ok := b.(Encrypted); ok {
			out = append(out, e.AWSKeyUses(ctx, env, cfg)...)
		}
	}
	return out
}

// Covers reports whether a Need on resource concerns the KeyUse's
// resource: the resource itself or something under it (BUCKET/*).
func (k KeyUse) Covers(resource string) bool {
	return resource == k.Resource || strings.HasPrefix(resource, k.Resource+"/")
}

// ARNsOf is what the configuration says ARNs are built from: AWS_PARTITION,
// AWS_REGION and AWS_ACCOUNT_ID.
func (e *Env) ARNsOf() ARNs {
	region := e.cfg.Get(Region)
	if region == "" {
		region = e.cfg.Get(DefaultRegion)
	}
	return ARNs{Partition: e.Partition(), Region: region, Account: e.cfg.Get(AccountID)}
}

// UsesAWS reports whether any backend needs the AWS account settings for
// this configuration (they all require them through Requirements).
func UsesAWS(bs []checks.Backend, cfg *config.Config) bool {
	for _, r := range checks.Requirements(bs, cfg) {
		if r.Var == AccountID {
			return true
		}
	}
	return false
}
