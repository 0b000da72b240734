package queue

import (
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
)

// reviewSteps runs every queue URL through the backends' offline review and
// returns config.values' steps by variable.
func reviewSteps(t *testing.T, account string, url func(q Queue) string) map[string][]checks.Step {
	t.Helper()
	vars := map[string]string{TypeVar: "sqs", awsenv.Region: "eu-west-1", awsenv.AccountID: account}
	for _, q := range Queues() {
		vars[q.Var] = url(q)
	}
	bs := []checks.Backend{Backend{}, awsenv.Backend{}}
	r := checks.ReviewAll(bs, msgtest.Config(t, vars, bs...), time.Now())
	out := map[string][]checks.Step{}
	for _, s := range r.Values.Steps() {
		out[s.Name] = append(out[s.Name], s)
	}
	return out
}

func moduleURL(host, account string) func(Queue) string {
	return func(q Queue) string { return "https://" + host + "/" + account + "/spacelift-" + moduleName(q.Name) }
}

// MQ-002: a queue of another account than AWS_ACCOUNT_ID warns, in either
// URL form AWS prints; the queues of the right account raise nothing.
func TestQueueURLOfAnotherAccountWarns(t *testing.T) {
	const own, other = "123456789012", "210987654321"
	if steps := reviewSteps(t, own, moduleURL("sqs.eu-west-1.amazonaws.com", own)); len(steps) != 0 {
		t.Fatalf("the module's queues in AWS_ACCOUNT_ID's account raise %v", steps)
	}
	for _, host := range []string{"sqs.eu-west-1.amazonaws.com", "eu-west-1.queue.amazonaws.com"} {
		steps := reviewSteps(t, own, func(q Queue) string {
			if q.Name == "webhooks" {
				return moduleURL(host, other)(q)
			}
			return moduleURL(host, own)(q)
		})
		got := steps["MESSAGE_QUEUE_SQS_WEBHOOKS_URL"]
		if len(got) != 1 || got[0].Status != checks.Warn ||
			!strings.Contains(got[0].Message, "queue spacelift-webhooks is in account "+other+", but AWS_ACCOUNT_ID is "+own) ||
			!strings.Contains(got[0].Advice, "account Spacelift runs in") {
			t.Errorf("%s: webhooks in another account: %+v", host, got)
		}
		if len(steps) != 1 {
			t.Errorf("%s: steps about other variables too: %+v", host, steps)
		}
	}
}

// An emulator's URL (no region in its host) is not compared with the
// account, nor is any URL when AWS_ACCOUNT_ID is unset.
func TestQueueAccountIsComparedOnlyForAWSURLs(t *testing.T) {
	if steps := reviewSteps(t, "123456789012", moduleURL("localhost:9324", "000000000000")); len(steps) != 0 {
		t.Errorf("emulator URLs raise %+v", steps)
	}
	if steps := reviewSteps(t, "", moduleURL("sqs.eu-west-1.amazonaws.com", "210987654321")); len(steps) != 0 {
		t.Errorf("without AWS_ACCOUNT_ID: %+v", steps)
	}
}
