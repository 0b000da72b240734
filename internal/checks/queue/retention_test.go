package queue

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// A cronjobs retention shorter than the module's says jobs are deleted,
// a longer one that they run late (the integration test covers the latter
// against SQS); a missing attribute warns only where a value is expected.
func TestRetentionSaysWhatTheDifferenceDoes(t *testing.T) {
	type retentionCase struct {
		queue, retention string
		status           checks.Status
		want             string
	}
	cases := []retentionCase{
		{"cronjobs", "60", checks.Warn, "messages are kept 60 s (1 minute), but the official module keeps the cronjobs queue's messages 3600 s (1 hour): a job nobody received within 60 s (1 minute) is deleted unprocessed"},
		{"cronjobs", "", checks.Warn, "SQS did not report a MessageRetentionPeriod"},
		{"webhooks", "", checks.Pass, "retention: not reported by SQS"},
		{"webhooks", "61", checks.Pass, "retention: 61 s; the official module keeps SQS's default"},
	}
	for _, tc := range cases {
		c := &sqsCheck{queue: queueByName(tc.queue)}
		v := &checks.Verdict{}
		c.checkRetention(v, map[string]string{"MessageRetentionPeriod": tc.retention})
		r := v.Result("ok")
		text := r.Message
		for _, d := range r.Details {
			text += "\n" + d.Key + ": " + d.Value
		}
		if r.Status != tc.status || !strings.Contains(text, tc.want) {
			t.Errorf("%s with %q: %s %q, want %s with %q", tc.queue, tc.retention, r.Status, text, tc.status, tc.want)
		}
	}
}
