package queue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var (
	_ awsenv.Permissions = Backend{}
	_ awsenv.Encrypted   = Backend{}
)

// drainSchedulerEnabled runs the scheduler inside the drain (configcheck
// owns the variable); the drain then sends to the cronjobs queue too.
const drainSchedulerEnabled = "DRAIN_SCHEDULER_ENABLED"

// senders is who sends to each queue, per the official IAM module
// (terraform-aws-iam-spacelift-selfhosted@7053648: iam_server.tf,
// iam_drain_and_server.tf, iam_scheduler.tf). The drain receives from all
// eight.
func senders(name string, cfg *config.Config) []awsenv.Role {
	switch name {
	case "webhooks":
		return []awsenv.Role{awsenv.Server}
	case "async", "async-fifo", "events-inbox", "iot":
		return []awsenv.Role{awsenv.Server, awsenv.Drain}
	case "cronjobs":
		if cfg.Bool(drainSchedulerEnabled) {
			// IAM module v1.8.0 (per the EKS module's commit 8b607d5).
			return []awsenv.Role{awsenv.Scheduler, awsenv.Drain}
		}
		return []awsenv.Role{awsenv.Scheduler}
	}
	return nil
}

// drainConsumes is what the drain does on every queue (iam_drain.tf).
func drainConsumes() []string {
	return []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}
}

// ARN returns the ARN of the queue a URL names, or "" when it is not an
// SQS queue URL; region fills in for URLs that carry none (emulators).
func ARN(url, partition, region string) string {
	ref, ok := parseQueueURL(url)
	if !ok {
		return ""
	}
	return ref.arn(partition, region)
}

// AWSNeeds implements awsenv.Permissions: with MESSAGE_QUEUE_TYPE=sqs, who
// sends to and receives from each configured queue.
func (Backend) AWSNeeds(cfg *config.Config, a awsenv.ARNs) []awsenv.Need {
	if Type(cfg) != "sqs" {
		return nil
	}
	var out []awsenv.Need
	for _, q := range Queues() {
		arn := ARN(cfg.Get(q.Var), a.Partition, a.Region)
		if arn == "" {
			continue
		}
		what := q.Name + " queue"
		if s := senders(q.Name, cfg); len(s) > 0 {
			out = append(out, awsenv.Need{Roles: s, Actions: []string{"sqs:SendMessage"}, Resource: arn, What: what})
		}
		out = append(out, awsenv.Need{Roles: []awsenv.Role{awsenv.Drain}, Actions: drainConsumes(), Resource: arn, What: what})
	}
	return out
}

// AWSKeyUses implements awsenv.Encrypted: with MESSAGE_QUEUE_TYPE=sqs,
// each configured queue's KmsMasterKeyId.
func (Backend) AWSKeyUses(ctx context.Context, env *awsenv.Env, cfg *config.Config) []awsenv.KeyUse {
	if Type(cfg) != "sqs" {
		return nil
	}
	a := env.ARNsOf()
	var out []awsenv.KeyUse
	client, _, cerr := newSQSClient(env).Get(ctx)
	for _, q := range Queues() {
		url := cfg.Get(q.Var)
		arn := ARN(url, a.Partition, a.Region)
		if arn == "" {
			continue
		}
		u := awsenv.KeyUse{Resource: arn, What: q.Name + " queue"}
		switch {
		case cerr != nil:
			u.Unknown = "cannot use AWS: " + cerr.Error()
		default:
			keyUse(ctx, client, q, url, &u)
		}
		out = append(out, u)
	}
	return out
}

func keyUse(ctx context.Context, client *sqs.Client, q Queue, url string, u *awsenv.KeyUse) {
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameKmsMasterKeyId}})
	switch {
	case err != nil && isQueueMissing(err):
		u.ReportedBy = SQSPrefix + q.Name
	case err != nil:
		u.Unknown = "sqs:GetQueueAttributes: " + awsenv.ErrorMessage(err)
	default:
		u.Key = out.Attributes["KmsMasterKeyId"]
		u.AWSManaged = u.Key == "alias/aws/sqs"
	}
}
