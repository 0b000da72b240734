package queue

// expectation is what the official modules create for one queue
// (spacelift-requirements.md section 5).
type expectation struct {
	visibility int    // VisibilityTimeout in seconds
	deadLetter string // Name of the queue redrive must target, "" for none
	// retention is the MessageRetentionPeriod in seconds the modules set;
	// 0 where they keep SQS's default (4 days), which is not checked.
	retention int
}

const wantMaxReceiveCount = 3

// moduleWaitTime is the ReceiveMessageWaitTimeSeconds (long polling) the
// official module gives every queue; reported, never checked.
const moduleWaitTime = 20

// expect returns the documented settings of the queue with the given name.
func expect(name string) expectation {
	switch name {
	case "iot":
		return expectation{visibility: 45, deadLetter: "dlq"}
	case "webhooks":
		return expectation{visibility: 600, deadLetter: "dlq"}
	case "async-fifo":
		return expectation{visibility: 300, deadLetter: "dlq-fifo"}
	case "dlq", "dlq-fifo":
		return expectation{visibility: 300}
	case "cronjobs":
		return expectation{visibility: 300, deadLetter: "dlq", retention: 3600}
	default:
		return expectation{visibility: 300, deadLetter: "dlq"}
	}
}
