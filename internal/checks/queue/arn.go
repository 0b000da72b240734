package queue

import (
	"net/url"
	"strings"
)

// queueRef is what a queue URL tells: account, name and, for AWS hosts,
// region.
type queueRef struct {
	account, name, region string
}

// parseQueueURL reads https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, the
// legacy https://REGION.queue.amazonaws.com/ACCOUNT/NAME, or an emulator's
// http://HOST/ACCOUNT/NAME.
func parseQueueURL(raw string) (queueRef, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return queueRef{}, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return queueRef{}, false
	}
	ref := queueRef{account: parts[0], name: parts[1]}
	host := strings.ToLower(u.Hostname())
	labels := strings.Split(host, ".")
	switch {
	case len(labels) >= 4 && labels[0] == "sqs" && labels[2] == "amazonaws":
		ref.region = labels[1]
	case len(labels) >= 4 && labels[1] == "queue" && labels[2] == "amazonaws":
		ref.region = labels[0]
	}
	return ref, true
}

// arn builds the queue ARN a URL names, for messages about denials that
// happen before SQS told us the real QueueArn.
func (r queueRef) arn(partition, fallbackRegion string) string {
	region := r.region
	if region == "" {
		region = fallbackRegion
	}
	return "arn:" + partition + ":sqs:" + region + ":" + r.account + ":" + r.name
}

// parseQueueARN splits arn:PARTITION:sqs:REGION:ACCOUNT:NAME.
func parseQueueARN(arn string) (queueRef, bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[5] == "" {
		return queueRef{}, false
	}
	return queueRef{region: p[3], account: p[4], name: p[5]}, true
}

// sameQueue reports whether two references name the same queue. Regions are
// compared only when both are known (an emulator URL carries none).
func sameQueue(a, b queueRef) bool {
	if a.name != b.name || a.account != b.account {
		return false
	}
	return a.region == "" || b.region == "" || a.region == b.region
}
