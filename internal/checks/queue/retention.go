package queue

import (
	"fmt"
	"strconv"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// checkRetention compares MessageRetentionPeriod with the official module's
// (spec MQ-006): only the cronjobs queue has a value of its own, 3600 s;
// the others keep SQS's default, so their retention is information only.
func (c *sqsCheck) checkRetention(v *checks.Verdict, attrs map[string]string) {
	want := expect(c.queue.Name).retention
	got, err := strconv.Atoi(attrs["MessageRetentionPeriod"])
	switch {
	case err != nil && want == 0:
		v.Detail("retention", "not reported by SQS")
	case err != nil:
		v.Warn("", "", "SQS did not report a MessageRetentionPeriod (%q)", attrs["MessageRetentionPeriod"])
	case want == 0:
		v.Detail("retention", seconds(got)+"; the official module keeps SQS's default, 4 days (information only)")
	default:
		v.Detail("retention", fmt.Sprintf("%s; documented: %d s", seconds(got), want))
		if got != want {
			effect := "a job nobody received within " + seconds(got) + " is deleted unprocessed"
			if got > want {
				effect = "a job nobody received within the module's " + seconds(want) + " stays and runs late instead of expiring"
			}
			v.Warn("", fmt.Sprintf("Set MessageRetentionPeriod=%d on the %s queue, as the official module does (`aws sqs set-queue-attributes --queue-url URL --attributes MessageRetentionPeriod=%d`).", want, c.queue.Name, want),
				"messages are kept %s, but the official module keeps the %s queue's messages %s: %s", seconds(got), c.queue.Name, seconds(want), effect)
		}
	}
}

// reportWaitTime reports ReceiveMessageWaitTimeSeconds (spec MQ-008): the
// official module turns on long polling with 20 s; no source says
// Spacelift depends on it, so it never changes the verdict.
func reportWaitTime(v *checks.Verdict, attrs map[string]string) {
	got, err := strconv.Atoi(attrs["ReceiveMessageWaitTimeSeconds"])
	if err != nil {
		v.Detail("receive wait time", fmt.Sprintf("not reported by SQS (the official module sets %d s, long polling)", moduleWaitTime))
		return
	}
	v.Detail("receive wait time", fmt.Sprintf("%d s; the official module sets %d s, long polling (information only)", got, moduleWaitTime))
}

// seconds writes a duration SQS gives in seconds, with a reading aid for
// whole minutes, hours and days: "345600 s (4 days)".
func seconds(n int) string {
	unit := func(k int, name string) string {
		if k != 1 {
			name += "s"
		}
		return fmt.Sprintf("%d s (%d %s)", n, k, name)
	}
	switch {
	case n > 0 && n%86400 == 0:
		return unit(n/86400, "day")
	case n > 0 && n%3600 == 0:
		return unit(n/3600, "hour")
	case n > 0 && n%60 == 0:
		return unit(n/60, "minute")
	}
	return fmt.Sprintf("%d s", n)
}
