package queue

import (
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// TypeVar names the queue backend.
const TypeVar = "MESSAGE_QUEUE_TYPE"

// Queue is one of the eight SQS queues Spacelift needs.
type Queue struct {
	Name  string // stable ID suffix: queue.sqs.<Name>
	Var   string // MESSAGE_QUEUE_SQS_*_URL
	Key   string // YAML key under messageQueue.sqs
	FIFO  bool
	Title string
}

// Queues lists the eight SQS queues, as a new slice each time.
func Queues() []Queue {
	return []Queue{
		{"async", "MESSAGE_QUEUE_SQS_ASYNC_URL", "asyncUrl", false, "Async jobs"},
		{"async-fifo", "MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL", "asyncFifoUrl", true, "Async jobs (FIFO)"},
		{"cronjobs", "MESSAGE_QUEUE_SQS_CRONJOBS_URL", "cronjobsUrl", false, "Cron jobs"},
		{"dlq", "MESSAGE_QUEUE_SQS_DLQ_URL", "dlqUrl", false, "Dead-letter queue"},
		{"dlq-fifo", "MESSAGE_QUEUE_SQS_DLQ_FIFO_URL", "dlqFifoUrl", true, "Dead-letter queue (FIFO)"},
		{"events-inbox", "MESSAGE_QUEUE_SQS_EVENTS_INBOX_URL", "eventsInboxUrl", false, "Events inbox"},
		{"iot", "MESSAGE_QUEUE_SQS_IOT_URL", "iotUrl", false, "IoT messages"},
		{"webhooks", "MESSAGE_QUEUE_SQS_WEBHOOKS_URL", "webhooksUrl", false, "Webhooks"},
	}
}

// Type is the effective MESSAGE_QUEUE_TYPE.
func Type(cfg *config.Config) string { v, _ := cfg.TypeOf(TypeVar); return v }

// Backend is the message queue: SQS, or the built-in queue in PostgreSQL.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Message queue"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	vs := []config.Var{config.Spacelift(TypeVar, "messageQueue.type", "Message queue backend.").OneOf("sqs", "sqs", "postgres")}
	for _, q := range Queues() {
		vs = append(vs, config.Spacelift(q.Var, "messageQueue.sqs."+q.Key, q.Title+" queue URL."))
	}
	return vs
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	if Type(cfg) != "sqs" {
		return nil
	}
	var rs []checks.Requirement
	for _, q := range Queues() {
		rs = append(rs, checks.Requirement{Var: q.Var, Why: "MESSAGE_QUEUE_TYPE=sqs"})
	}
	return append(rs, awsenv.Requirements()...)
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	reviewQueueURLs(cfg, r)
	r.Implied(cfg, TypeVar, "set it explicitly; postgres is recommended for new installs")
	r.Compat.Detail("message queue", Type(cfg))
}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	for _, q := range Queues() {
		if v, ok := cfg.Display(q.Var); ok {
			e.WebURL(q.Var, v, "")
		}
	}
}

func reviewQueueURLs(cfg *config.Config, r *checks.Review) {
	if Type(cfg) != "sqs" {
		return
	}
	seen := map[string]string{}
	for _, q := range Queues() {
		raw := cfg.Get(q.Var)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		parts := []string{}
		if err == nil {
			parts = strings.Split(strings.Trim(u.Path, "/"), "/")
		}
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(parts) != 2 {
			r.Values.Fail(q.Var, "use https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE as shown by `aws sqs get-queue-url`", "%s is not an SQS queue URL", secret.ShowURL(raw))
			continue
		}
		name := parts[1]
		switch {
		case q.FIFO && !strings.HasSuffix(name, ".fifo"):
			r.Values.Fail(q.Var, "point it at the FIFO queue the official module creates, e.g. spacelift-async-jobs.fifo", "queue %q must be a FIFO queue (name ending in .fifo)", name)
		case !q.FIFO && strings.HasSuffix(name, ".fifo"):
			r.Values.Fail(q.Var, "point it at the standard (non-FIFO) queue", "queue %q is a FIFO queue, but this one must be standard", name)
		}
		if other, ok := seen[raw]; ok {
			r.Values.Fail(q.Var, "each of the eight variables needs its own queue", "%s", "is the same queue as "+other)
		}
		seen[raw] = q.Var
		if region := cfg.Get(awsenv.Region); region != "" && strings.HasSuffix(u.Hostname(), ".amazonaws.com") && !strings.Contains(u.Hostname(), region) {
			r.Values.Warn(q.Var, "use the queues in the region Spacelift runs in", "host %s is not in AWS_REGION %s", u.Hostname(), region)
		}
		reviewQueueAccount(cfg, q, raw, r)
	}
}

// reviewQueueAccount warns when an AWS queue URL names another account
// than AWS_ACCOUNT_ID (spec MQ-002): the official modules create the
// queues in the installation's own account, and a queue of another account
// works only if its own access policy lets Spacelift's roles in. A warning,
// not a failure, because such a policy may exist. An emulator's URL names
// no region and is left alone, as the region rule leaves it.
func reviewQueueAccount(cfg *config.Config, q Queue, raw string, r *checks.Review) {
	want := cfg.Get(awsenv.AccountID)
	ref, ok := parseQueueURL(raw)
	if want == "" || !ok || ref.region == "" || ref.account == want {
		return
	}
	r.Values.Warn(q.Var, "use the queues in the account Spacelift runs in, or correct AWS_ACCOUNT_ID (`aws sts get-caller-identity` prints it)",
		"queue %s is in account %s, but AWS_ACCOUNT_ID is %s", ref.name, ref.account, want)
}
