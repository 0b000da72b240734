package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// sqsCheck is queue.sqs.<name>.
type sqsCheck struct {
	cfg      *config.Config
	queue    Queue
	client   *sqsClient
	env      *awsenv.Env
	readOnly bool
}

func (c *sqsCheck) run(ctx context.Context) checks.Result {
	raw := strings.TrimSpace(c.cfg.Get(c.queue.Var))
	ref, ok := parseQueueURL(raw)
	if !ok {
		return checks.Failf("Use the queue URL `aws sqs get-queue-url --queue-name NAME` prints, https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.",
			"%s=%s is not an SQS queue URL", c.queue.Var, secret.ShowURL(raw)).With(checks.KV("variable", c.queue.Var))
	}
	client, info, err := c.client.Get(ctx)
	if err != nil {
		return checks.Errorf(awsenv.LoadAdvice(err), "cannot use AWS: %v", err)
	}
	arn := ref.arn(info.Partition, info.Region)
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(raw),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		return c.apiFailure("sqs:GetQueueAttributes", raw, arn, err)
	}
	attrs := out.Attributes
	if a := attrs["QueueArn"]; a != "" {
		arn = a
	}
	v := &checks.Verdict{}
	v.Detail("url", raw)
	v.Detail("arn", arn)

	fifo := attrs["FifoQueue"] == "true"
	c.checkFIFO(v, ref.name, fifo)
	visibility := c.checkVisibility(v, attrs)
	c.checkRetention(v, attrs)
	reportWaitTime(v, attrs)
	redrive := c.checkRedrive(v, attrs)
	encryption := describeEncryption(attrs)
	v.Detail("encryption", encryption)

	backlog := messageCount(attrs)
	v.Detail(checks.EvidenceQueueMessages, backlog)
	probe := "not run"
	switch {
	case c.readOnly:
		probe = "not run (--read-only)"
	case backlog > 0:
		probe = fmt.Sprintf("not run: the queue holds %d message(s), so a live installation uses it; send/receive/delete permissions were not tested", backlog)
	default:
		probe = c.probe(ctx, client, raw, arn, fifo, attrs, v)
	}
	v.Detail("probe", probe)

	kind := "standard"
	if fifo {
		kind = "FIFO"
	}
	summary := fmt.Sprintf("queue %s is reachable: %s, visibility timeout %s, %s, encryption %s; probe %s",
		ref.name, kind, visibility, redrive, encryption, probe)
	return v.Result(summary)
}

func (c *sqsCheck) checkFIFO(v *checks.Verdict, name string, fifo bool) {
	v.Detail("fifo", fifo)
	switch {
	case c.queue.FIFO && !fifo:
		v.Fail("", fmt.Sprintf("Point %s at a FIFO queue (FifoQueue=true, a name ending in .fifo; the official module creates spacelift-%s). A queue's type cannot be changed after creation, so create a new one.", c.queue.Var, moduleName(c.queue.Name)),
			"queue %s is a standard queue, but %s must be FIFO: Spacelift relies on its ordering and deduplication", name, c.queue.Name)
	case !c.queue.FIFO && fifo:
		v.Fail("", fmt.Sprintf("Point %s at a standard (non-FIFO) queue; Spacelift sends to it without a message group ID, which a FIFO queue rejects.", c.queue.Var),
			"queue %s is a FIFO queue, but %s must be a standard queue", name, c.queue.Name)
	}
}

func (c *sqsCheck) checkVisibility(v *checks.Verdict, attrs map[string]string) string {
	want := expect(c.queue.Name).visibility
	got, err := strconv.Atoi(attrs["VisibilityTimeout"])
	if err != nil {
		v.Warn("", "", "SQS did not report a VisibilityTimeout (%q)", attrs["VisibilityTimeout"])
		return "unknown"
	}
	v.Detail("visibility timeout", fmt.Sprintf("%d s (documented: %d s)", got, want))
	if got != want {
		v.Warn("", fmt.Sprintf("Set VisibilityTimeout=%d on the %s queue (`aws sqs set-queue-attributes --queue-url URL --attributes VisibilityTimeout=%d`).", want, c.queue.Name, want),
			"visibility timeout is %d s, but Spacelift documents %d s for the %s queue: shorter lets a message be processed twice while a handler still works on it, longer delays retries", got, want, c.queue.Name)
	}
	return fmt.Sprintf("%d s", got)
}

// redrivePolicy is SQS's RedrivePolicy attribute. maxReceiveCount comes
// back as a number from AWS and as a string from some emulators.
type redrivePolicy struct {
	DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
	MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
}

func (p redrivePolicy) maxReceives() int {
	s := strings.Trim(string(p.MaxReceiveCount), `"`)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func (c *sqsCheck) checkRedrive(v *checks.Verdict, attrs map[string]string) string {
	exp := expect(c.queue.Name)
	raw := attrs["RedrivePolicy"]
	var rp redrivePolicy
	parsed := raw != "" && json.Unmarshal([]byte(raw), &rp) == nil
	if parsed && rp.DeadLetterTargetArn == "" {
		// Some SQS implementations report a cleared policy as an empty
		// target rather than no attribute.
		raw = ""
	}
	if exp.deadLetter == "" {
		if raw != "" {
			v.Detail("redrive", raw)
			v.Warn("", "Remove the redrive policy from the dead-letter queue (`aws sqs set-queue-attributes --queue-url URL --attributes RedrivePolicy=\"\"`).",
				"this dead-letter queue has a redrive policy of its own (%s): messages that already failed would move on instead of staying here for inspection", rp.DeadLetterTargetArn)
			return "redrive " + rp.DeadLetterTargetArn
		}
		v.Detail("redrive", "none (correct for a dead-letter queue)")
		return "no redrive (dead-letter queue)"
	}
	dlq := queueByName(exp.deadLetter)
	dlqURL := c.cfg.Get(dlq.Var)
	dlqRef, dlqKnown := parseQueueURL(dlqURL)
	wantTarget := "the " + exp.deadLetter + " queue"
	setAdvice := fmt.Sprintf("Set a redrive policy on the %s queue: RedrivePolicy={\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%d} (the official module's values).",
		c.queue.Name, dlqARNHint(dlqRef, dlqKnown, c.env.Partition(), c.cfg.Get(awsenv.Region)), wantMaxReceiveCount)
	if raw == "" {
		v.Detail("redrive", "none")
		v.Fail("", setAdvice, "no redrive policy: messages Spacelift fails to process are retried until they expire instead of moving to %s (%s)", wantTarget, dlq.Var)
		return "no redrive"
	}
	v.Detail("redrive", raw)
	if !parsed {
		v.Fail("", setAdvice, "the redrive policy is not valid JSON: %s", raw)
		return "invalid redrive"
	}
	target, targetOK := parseQueueARN(rp.DeadLetterTargetArn)
	switch {
	case !targetOK:
		v.Fail("", setAdvice, "the redrive policy's deadLetterTargetArn %q is not an SQS queue ARN", rp.DeadLetterTargetArn)
	case !dlqKnown:
		v.Warn("", fmt.Sprintf("Set %s so the target can be verified.", dlq.Var), "redrive goes to %s, but %s is not set, so it cannot be compared", target.name, dlq.Var)
	case !sameQueue(target, dlqRef):
		v.Fail("", setAdvice, "redrive goes to %s, not to %s %s named by %s", rp.DeadLetterTargetArn, wantTarget, dlqRef.name, dlq.Var)
	}
	n := rp.maxReceives()
	switch {
	case n <= 0:
		v.Fail("", setAdvice, "the redrive policy has no valid maxReceiveCount (%s)", string(rp.MaxReceiveCount))
	case n != wantMaxReceiveCount:
		v.Warn("", setAdvice, "maxReceiveCount is %d; the official module uses %d", n, wantMaxReceiveCount)
	}
	return fmt.Sprintf("redrive to %s after %d receives", target.name, n)
}

func dlqARNHint(ref queueRef, ok bool, partition, region string) string {
	if !ok {
		return "DLQ_ARN"
	}
	if region == "" {
		region = "REGION"
	}
	return ref.arn(partition, region)
}

func queueByName(name string) Queue {
	for _, q := range Queues() {
		if q.Name == name {
			return q
		}
	}
	return Queue{Name: name}
}

func describeEncryption(attrs map[string]string) string {
	switch {
	case attrs["KmsMasterKeyId"] != "":
		return "SSE-KMS (key " + attrs["KmsMasterKeyId"] + ")"
	case attrs["SqsManagedSseEnabled"] == "true":
		return "SSE-SQS (SQS-managed key)"
	default:
		return "none"
	}
}

// messageCount is every message the queue holds: visible, in flight and
// delayed. Any of them means something already uses the queue.
func messageCount(attrs map[string]string) int {
	total := 0
	for _, k := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		n, _ := strconv.Atoi(attrs[k])
		total += n
	}
	return total
}

func isQueueMissing(err error) bool {
	var qdne *types.QueueDoesNotExist
	if errors.As(err, &qdne) {
		return true
	}
	code := awsenv.ErrorCode(err)
	return code == "AWS.SimpleQueueService.NonExistentQueue" || code == "QueueDoesNotExist"
}

// apiFailure turns an SDK error into a verdict that names the action and
// the queue ARN.
func (c *sqsCheck) apiFailure(action, url, arn string, err error) checks.Result {
	code := awsenv.ErrorCode(err)
	res := func() checks.Result {
		switch {
		case isQueueMissing(err):
			return checks.Failf(fmt.Sprintf("Create the queue (the official module names it spacelift-%s) or fix %s; `aws sqs get-queue-url --queue-name NAME` prints the right URL. Check AWS_REGION and the account too.", moduleName(c.queue.Name), c.queue.Var),
				"queue %s does not exist (%s)", url, awsenv.ErrorMessage(err))
		case isKMSError(code):
			return checks.Failf(fmt.Sprintf("The queue is encrypted with a KMS key this identity cannot use. Allow kms:GenerateDataKey and kms:Decrypt on the queue's key (its KmsMasterKeyId) for the identity running this check and for Spacelift's server and drain roles; %s needs it.", action),
				"%s on %s failed because of its KMS key: %s", action, arn, awsenv.ErrorMessage(err))
		case awsenv.IsAccessDenied(err):
			return checks.Failf(fmt.Sprintf("Allow %s on %s in the IAM policy of the identity running this check, and of Spacelift's roles (the drain needs sqs:GetQueueAttributes, ReceiveMessage, DeleteMessage and ChangeMessageVisibility on all eight queues; server, drain and scheduler need sqs:SendMessage). Check the queue's own access policy too.", action, arn),
				"%s was denied on %s: %s", action, arn, awsenv.ErrorMessage(err))
		case awsenv.IsBadCredentials(err), awsenv.NoCredentials(err):
			return checks.Errorf(awsenv.CredentialsAdvice, "AWS rejected or could not find the credentials for %s on %s: %s", action, arn, awsenv.ErrorMessage(err))
		case code != "":
			return checks.Errorf("Read the SQS error above; if it persists, run the same call with the AWS CLI to compare.", "%s on %s failed: %s", action, arn, awsenv.ErrorMessage(err))
		default:
			return checks.Errorf("Check that the SQS endpoint is reachable from here (HTTPS 443 to sqs.REGION.amazonaws.com, proxies, VPC endpoints) and that AWS_REGION is right.",
				"could not call %s on %s: %v", action, arn, err)
		}
	}()
	return res.With(checks.KV("url", url), checks.KV("arn", arn), checks.KV("action", action))
}

func isKMSError(code string) bool {
	return strings.HasPrefix(code, "KMS.") || strings.HasPrefix(code, "Kms")
}

func moduleName(name string) string {
	switch name {
	case "async":
		return "async-jobs"
	case "async-fifo":
		return "async-jobs.fifo"
	case "dlq-fifo":
		return "dlq.fifo"
	default:
		return name
	}
}
