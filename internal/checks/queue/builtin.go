package queue

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// builtin has nothing of its own to probe: the queue is a set of tables in
// Spacelift's database, so postgres.privileges (which it needs) already
// proved Spacelift can create and use them. Its incompatibility with IoT
// Core is config.compat's to report.
func builtin() checks.Result {
	return checks.Passf("MESSAGE_QUEUE_TYPE=postgres: the message queue lives in PostgreSQL, in tables Spacelift creates in its own database; nothing else to set up").With(
		checks.KV("queue", "PostgreSQL tables message_queue_messages and message_queue_deduplications"),
		checks.KV("covered by", postgresPrivilegesID),
	)
}
