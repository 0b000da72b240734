// Package queue holds the message-queue checks: queue.sqs.<name> for each of
// Spacelift's eight SQS queues (MESSAGE_QUEUE_TYPE=sqs), and queue.builtin
// for the queue Spacelift keeps in PostgreSQL (MESSAGE_QUEUE_TYPE=postgres).
package queue

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "queue"

// IDs.
const (
	BuiltinID = "queue.builtin"
	SQSPrefix = "queue.sqs."
	// sqsDoc is the page every queue.sqs.* check shares.
	sqsDoc = "queue.sqs"
	// postgresPrivilegesID is owned by the postgres backend.
	postgresPrivilegesID = "postgres.privileges"
)

// Register implements checks.Backend: the queue checks, sharing the run's
// AWS configuration and one SQS client between the eight queue checks.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	env := awsenv.Of(p, cfg)
	kind := Type(cfg)
	sc := newSQSClient(env)
	for _, q := range Queues() {
		c := checks.Check{
			ID:    SQSPrefix + q.Name,
			Title: "SQS queue " + q.Name + " (" + q.Title + ") exists and is set up as Spacelift expects",
			Doc:   sqsDoc,
		}
		switch {
		case kind != "sqs":
			c.Disabled = "MESSAGE_QUEUE_TYPE is " + kind
		case !cfg.Has(q.Var):
			c.Disabled = q.Var + " is not set"
		}
		qc := &sqsCheck{cfg: cfg, queue: q, client: sc, readOnly: opts.ReadOnly, env: env}
		c.Run = qc.run
		p.Add(c)
	}
	b := checks.Check{
		ID:    BuiltinID,
		Title: "Built-in message queue (PostgreSQL)",
		Needs: []string{postgresPrivilegesID},
		Run:   func(context.Context) checks.Result { return builtin() },
	}
	if kind != "postgres" {
		b.Disabled = "MESSAGE_QUEUE_TYPE is " + kind
	}
	p.Add(b)
}
