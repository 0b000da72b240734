package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

const (
	// probeAttribute marks probe messages, so anyone who finds one knows
	// what it is.
	probeAttribute = "spacectl-preflight-probe"
	// probeVisibility hides a received message only briefly: if the probe
	// cannot delete it, it reappears soon for the cleanup (or a human).
	probeVisibility = 15
	// probeWait bounds how long the probe waits for its own message, so a
	// lost message is reported as such rather than as a check timeout.
	probeWait = 10 * time.Second
	// cleanupTimeout is how long removing a probe message may take after
	// the check itself was cancelled.
	cleanupTimeout = 5 * time.Second
)

// probe sends a marked message, receives it and deletes it, proving
// sqs:SendMessage, sqs:ReceiveMessage and sqs:DeleteMessage. It only runs
// on an empty queue, and whatever happens (a denial, a timeout, the run
// being interrupted) it tries to remove its message before returning.
func (c *sqsCheck) probe(ctx context.Context, client *sqs.Client, url, arn string, fifo bool, attrs map[string]string, v *checks.Verdict) (summary string) {
	marker := newMarker()
	in := &sqs.SendMessageInput{
		QueueUrl:    aws.String(url),
		MessageBody: aws.String("spacectl-preflight probe " + marker + ": a permission test that deletes itself; safe to delete"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			probeAttribute: {DataType: aws.String("String"), StringValue: aws.String(marker)},
		},
	}
	if fifo {
		in.MessageGroupId = aws.String("spacectl-preflight")
		in.MessageDeduplicationId = aws.String(marker)
	}
	start := time.Now()
	if _, err := client.SendMessage(ctx, in); err != nil {
		c.stepFailure(v, "sqs:SendMessage", url, arn, err)
		return "failed: sqs:SendMessage"
	}
	var receipt string
	deleted := false
	defer func() {
		if deleted {
			return
		}
		if err := removeProbe(ctx, client, url, marker, receipt); err != nil {
			v.Detail("probe message left behind", fmt.Sprintf(
				"%s (could not remove it: %s). It is marked with the message attribute %s; it expires after the queue's retention period (%s s). The queue was empty before the probe, so `aws sqs purge-queue --queue-url %s` removes it.",
				marker, errText(err), probeAttribute, attrs["MessageRetentionPeriod"], url))
			v.Fail("", "", "the probe message could not be removed from queue %s", url)
		} else {
			v.Detail("probe cleanup", "the probe message was removed")
		}
	}()

	wctx, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	r, foreign, err := receiveProbe(wctx, client, url, marker)
	if foreign > 0 {
		v.Detail("other messages seen", fmt.Sprintf("%d message(s) arrived during the probe; they were made visible again at once", foreign))
	}
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		v.Fail("", "SQS accepted the message but did not deliver it back. Check for another consumer on this queue (a running Spacelift drain) and for a DelaySeconds setting.",
			"the probe message was sent but not received back within %s", probeWait)
		return "failed: the message did not come back"
	case err != nil:
		c.stepFailure(v, "sqs:ReceiveMessage", url, arn, err)
		return "failed: sqs:ReceiveMessage"
	}
	receipt = r
	if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(receipt)}); err != nil {
		c.stepFailure(v, "sqs:DeleteMessage", url, arn, err)
		return "failed: sqs:DeleteMessage"
	}
	deleted = true
	v.Detail("probe round trip", time.Since(start).Round(time.Millisecond).String())
	return "sent, received and deleted a message"
}

// receiveProbe polls until it receives the message carrying marker and
// returns its receipt handle. Anything else it receives is made visible
// again at once, so the probe never holds back real work.
func receiveProbe(ctx context.Context, client *sqs.Client, url, marker string) (receipt string, foreign int, err error) {
	for {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:              aws.String(url),
			MaxNumberOfMessages:   10,
			WaitTimeSeconds:       1,
			VisibilityTimeout:     probeVisibility,
			MessageAttributeNames: []string{probeAttribute},
		})
		if err != nil {
			if ctx.Err() != nil {
				return "", foreign, ctx.Err()
			}
			return "", foreign, err
		}
		for _, m := range out.Messages {
			if isProbe(m, marker) {
				receipt = aws.ToString(m.ReceiptHandle)
				continue
			}
			foreign++
			// Best effort: without sqs:ChangeMessageVisibility the message
			// reappears after probeVisibility seconds anyway.
			_, _ = client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0,
			})
		}
		if receipt != "" {
			return receipt, foreign, nil
		}
		if err := ctx.Err(); err != nil {
			return "", foreign, err
		}
	}
}

func isProbe(m types.Message, marker string) bool {
	if a, ok := m.MessageAttributes[probeAttribute]; ok && aws.ToString(a.StringValue) == marker {
		return true
	}
	return strings.Contains(aws.ToString(m.Body), marker)
}

// removeProbe deletes the probe message on a context of its own, so it
// still runs when the check was cancelled or timed out.
func removeProbe(parent context.Context, client *sqs.Client, url, marker, receipt string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
	defer cancel()
	if receipt != "" {
		_, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(receipt)})
		if err == nil {
			return nil
		}
		if awsenv.IsAccessDenied(err) {
			return err
		}
	}
	r, _, err := receiveProbe(ctx, client, url, marker)
	if err != nil {
		return err
	}
	_, err = client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(r)})
	return err
}

// stepFailure records a failed probe step as a finding that names the
// action and the queue ARN.
func (c *sqsCheck) stepFailure(v *checks.Verdict, action, url, arn string, err error) {
	// An error status is not a verdict about the queue, but the probe
	// could not finish. The URL and ARN are already the check's details.
	res := c.apiFailure(action, url, arn, err)
	v.Add(checks.Step{Status: res.Status, Message: res.Message, Advice: res.Advice})
}

func errText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return awsenv.ErrorMessage(err)
}

func newMarker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "spacectl-preflight-" + hex.EncodeToString(b)
}
