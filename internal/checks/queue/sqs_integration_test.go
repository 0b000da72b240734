package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

const (
	testRegion = "us-east-1"
	testKeyID  = "AKIDPREFLIGHTTEST"
	testSecret = "sqs-test-secret-key-do-not-print"
)

// sqsFixture is a set of eight queues in local-aws-sqs, with unique names,
// created the way the official module creates them unless a test's mutate
// function changes a queue's attributes first.
type sqsFixture struct {
	t     *testing.T
	admin *sqs.Client
	urls  map[string]string // by Queue.Name
}

func newAdmin(t *testing.T) (*sqs.Client, string) {
	t.Helper()
	ep := testsvc.Require(t, "SPT_SQS_ENDPOINT")[0]
	msgtest.IsolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_SQS", ep)
	return sqs.New(sqs.Options{Region: testRegion, BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")}), ep
}

func uniq() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// mutation changes a queue before it is created; skip=true leaves the
// queue out (its URL then names a queue that does not exist).
// arns holds the ARNs of the queues created so far.
type mutation func(name string, attrs, arns map[string]string) (skip bool)

func newQueues(t *testing.T, mutate mutation) *sqsFixture {
	t.Helper()
	admin, _ := newAdmin(t)
	ctx := context.Background()
	prefix := uniq()
	f := &sqsFixture{t: t, admin: admin, urls: map[string]string{}}
	arns := map[string]string{}
	// Dead-letter queues first: the others' redrive policies point at them.
	order := []string{"dlq", "dlq-fifo", "async-fifo", "cronjobs", "events-inbox", "iot", "webhooks", "async"}
	for _, name := range order {
		q := queueByName(name)
		exp := expect(name)
		attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(exp.visibility), "ReceiveMessageWaitTimeSeconds": strconv.Itoa(moduleWaitTime)}
		if exp.retention != 0 {
			attrs["MessageRetentionPeriod"] = strconv.Itoa(exp.retention)
		}
		qname := prefix + "-" + name
		if q.FIFO {
			attrs["FifoQueue"] = "true"
			qname += ".fifo"
		}
		if exp.deadLetter != "" {
			attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, arns[exp.deadLetter])
		}
		if mutate != nil && mutate(name, attrs, arns) {
			f.urls[name] = fmt.Sprintf("%s/123456789012/%s", testsvc.Require(t, "SPT_SQS_ENDPOINT")[0], qname)
			continue
		}
		if attrs["FifoQueue"] != "true" {
			delete(attrs, "FifoQueue")
			if q.FIFO {
				qname = qname[:len(qname)-len(".fifo")]
			}
		}
		out, err := admin.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(qname), Attributes: attrs})
		if err != nil {
			t.Fatalf("create %s: %v", qname, err)
		}
		url := aws.ToString(out.QueueUrl)
		f.urls[name] = url
		t.Cleanup(func() {
			_, _ = admin.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
		})
		a, err := admin.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"QueueArn"}})
		if err != nil {
			t.Fatalf("arn of %s: %v", qname, err)
		}
		arns[name] = a.Attributes["QueueArn"]
	}
	return f
}

func (f *sqsFixture) config(extra map[string]string) *config.Config {
	vars := map[string]string{
		TypeVar:                "sqs",
		awsenv.Region:          testRegion,
		awsenv.AccessKeyID:     testKeyID,
		awsenv.SecretAccessKey: testSecret,
	}
	for _, q := range Queues() {
		vars[q.Var] = f.urls[q.Name]
	}
	for k, v := range extra {
		vars[k] = v
	}
	return msgtest.Config(f.t, vars, Backend{}, awsenv.Backend{})
}

func (f *sqsFixture) run(opts checks.Options, extra map[string]string) map[string]checks.Outcome {
	cfg := f.config(extra)
	p := checks.Build([]checks.Backend{Backend{}}, cfg, opts)
	outs := msgtest.Run(f.t, p, 20*time.Second, SQSPrefix+"*")
	for _, q := range Queues() {
		o := outs[SQSPrefix+q.Name]
		f.t.Logf("%s: %s\n%s", o.Check.ID, o.Result.Status, msgtest.Text(o.Result))
	}
	return outs
}

// count is every message a queue holds. local-aws-sqs counts in-flight
// messages in ApproximateNumberOfMessages too (AWS does not), so that plus
// the delayed ones is the total there.
func (f *sqsFixture) count(name string) int {
	f.t.Helper()
	out, err := f.admin.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(f.urls[name]), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		f.t.Fatalf("attributes of %s: %v", name, err)
	}
	visible, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	delayed, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesDelayed"])
	return visible + delayed
}

func TestSQSCorrectQueuesPassAndProbeLeavesNothing(t *testing.T) {
	f := newQueues(t, nil)
	outs := f.run(checks.Options{Stage: checks.PreInstall}, nil)
	for _, q := range Queues() {
		id := SQSPrefix + q.Name
		msgtest.Expect(t, id, outs[id], checks.Pass, "sent, received and deleted a message", "visibility timeout")
		msgtest.NoSecret(t, id, outs[id].Result, testSecret)
		if n := f.count(q.Name); n != 0 {
			t.Errorf("%s: %d message(s) left in the queue after the probe", id, n)
		}
	}
	msgtest.Expect(t, SQSPrefix+"async-fifo", outs[SQSPrefix+"async-fifo"], checks.Pass, "FIFO", "redrive to "+lastPart(f.urls["dlq-fifo"]))
	msgtest.Expect(t, SQSPrefix+"iot", outs[SQSPrefix+"iot"], checks.Pass, "45 s")
	msgtest.Expect(t, SQSPrefix+"webhooks", outs[SQSPrefix+"webhooks"], checks.Pass, "600 s")
	msgtest.Expect(t, SQSPrefix+"dlq", outs[SQSPrefix+"dlq"], checks.Pass, "no redrive (dead-letter queue)",
		"retention: 345600 s (4 days); the official module keeps SQS's default", "receive wait time: 20 s; the official module sets 20 s")
	msgtest.Expect(t, SQSPrefix+"cronjobs", outs[SQSPrefix+"cronjobs"], checks.Pass, "retention: 3600 s (1 hour); documented: 3600 s")
}

// MQ-006 and MQ-008: only the cronjobs queue's retention changes the
// verdict; the others' retention and every queue's receive wait time are
// reported as they are.
func TestSQSRetentionOfCronjobsWarnsTheRestIsReported(t *testing.T) {
	f := newQueues(t, func(name string, attrs, _ map[string]string) bool {
		switch name {
		case "cronjobs": // SQS's maximum instead of an hour
			attrs["MessageRetentionPeriod"] = "1209600"
		case "async": // no long polling, a day's retention
			attrs["ReceiveMessageWaitTimeSeconds"] = "0"
			attrs["MessageRetentionPeriod"] = "86400"
		}
		return false
	})
	outs := f.run(checks.Options{ReadOnly: true}, nil)
	msgtest.Expect(t, "cronjobs", outs[SQSPrefix+"cronjobs"], checks.Warn,
		"messages are kept 1209600 s (14 days), but the official module keeps the cronjobs queue's messages 3600 s (1 hour): a job nobody received within the module's 3600 s (1 hour) stays and runs late",
		"MessageRetentionPeriod=3600", "retention: 1209600 s (14 days); documented: 3600 s")
	msgtest.Expect(t, "async", outs[SQSPrefix+"async"], checks.Pass,
		"retention: 86400 s (1 day); the official module keeps SQS's default", "receive wait time: 0 s; the official module sets 20 s")
}

func lastPart(url string) string {
	for i := len(url) - 1; i >= 0; i-- {
		if url[i] == '/' {
			return url[i+1:]
		}
	}
	return url
}

func TestSQSMisconfiguredQueuesGetTheirOwnVerdicts(t *testing.T) {
	f := newQueues(t, func(name string, attrs, arns map[string]string) bool {
		switch name {
		case "async-fifo": // a standard queue where FIFO is required
			delete(attrs, "FifoQueue")
			// SQS only lets a standard queue redrive to a standard one.
			attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, arns["dlq"])
		case "webhooks": // wrong visibility timeout
			attrs["VisibilityTimeout"] = "300"
		case "events-inbox": // no redrive
			delete(attrs, "RedrivePolicy")
		case "cronjobs": // missing queue
			return true
		case "iot": // redrive without the documented maxReceiveCount
			attrs["RedrivePolicy"] = attrs["RedrivePolicy"][:len(attrs["RedrivePolicy"])-2] + "7}"
		}
		return false
	})
	outs := f.run(checks.Options{Stage: checks.PreInstall}, nil)
	msgtest.Expect(t, "async-fifo", outs[SQSPrefix+"async-fifo"], checks.Fail, "is a standard queue, but async-fifo must be FIFO", "MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL")
	msgtest.Expect(t, "webhooks", outs[SQSPrefix+"webhooks"], checks.Warn, "visibility timeout is 300 s, but Spacelift documents 600 s", "VisibilityTimeout=600")
	msgtest.Expect(t, "events-inbox", outs[SQSPrefix+"events-inbox"], checks.Fail, "no redrive policy", "deadLetterTargetArn")
	msgtest.Expect(t, "cronjobs", outs[SQSPrefix+"cronjobs"], checks.Fail, "does not exist", "sqs:GetQueueAttributes")
	msgtest.Expect(t, "iot", outs[SQSPrefix+"iot"], checks.Warn, "maxReceiveCount is 7")
	// The queues that were set up right still pass beside the broken ones.
	msgtest.Expect(t, "async", outs[SQSPrefix+"async"], checks.Pass)
	for _, name := range []string{"async-fifo", "webhooks", "events-inbox", "iot"} {
		if n := f.count(name); n != 0 {
			t.Errorf("%s: %d message(s) left behind", name, n)
		}
	}
}

func TestSQSRedriveToTheWrongQueueFails(t *testing.T) {
	f := newQueues(t, func(name string, attrs, arns map[string]string) bool {
		if name == "async" {
			// A standard queue, but not the dead-letter one.
			attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, arns["webhooks"])
		}
		return false
	})
	outs := f.run(checks.Options{}, nil)
	msgtest.Expect(t, "async", outs[SQSPrefix+"async"], checks.Fail, "-webhooks, not to the dlq queue", "named by MESSAGE_QUEUE_SQS_DLQ_URL")
	msgtest.Expect(t, "webhooks", outs[SQSPrefix+"webhooks"], checks.Pass)
}

func TestSQSNonEmptyQueueIsNotProbed(t *testing.T) {
	f := newQueues(t, nil)
	ctx := context.Background()
	if _, err := f.admin.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(f.urls["iot"]), MessageBody: aws.String("live work")}); err != nil {
		t.Fatal(err)
	}
	outs := f.run(checks.Options{}, nil)
	msgtest.Expect(t, "iot", outs[SQSPrefix+"iot"], checks.Pass, "not run: the queue holds 1 message(s)", checks.EvidenceQueueMessages+": 1")
	msgtest.Expect(t, "dlq", outs[SQSPrefix+"dlq"], checks.Pass, checks.EvidenceQueueMessages+": 0")
	if n := f.count("iot"); n != 1 {
		t.Errorf("the live message was touched: the queue holds %d messages, want 1", n)
	}
	out, err := f.admin.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.urls["iot"]), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "live work" {
		t.Errorf("the live message is not receivable as it was: %v %+v", err, out)
	}
}

func TestSQSReadOnlyDoesNotProbe(t *testing.T) {
	f := newQueues(t, nil)
	outs := f.run(checks.Options{ReadOnly: true}, nil)
	for _, q := range Queues() {
		msgtest.Expect(t, q.Name, outs[SQSPrefix+q.Name], checks.Pass, "not run (--read-only)")
	}
}

func TestSQSDisabledAndBuiltin(t *testing.T) {
	for _, tc := range []struct {
		vars     map[string]string
		disabled map[string]string
	}{
		{map[string]string{TypeVar: "postgres"}, map[string]string{SQSPrefix + "async": "MESSAGE_QUEUE_TYPE is postgres"}},
		{map[string]string{TypeVar: "sqs"}, map[string]string{SQSPrefix + "iot": "MESSAGE_QUEUE_SQS_IOT_URL is not set", BuiltinID: "MESSAGE_QUEUE_TYPE is sqs"}},
		{map[string]string{}, map[string]string{BuiltinID: "MESSAGE_QUEUE_TYPE is sqs"}},
	} {
		cfg := msgtest.Config(t, tc.vars, Backend{}, awsenv.Backend{})
		p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{})
		got := map[string]string{}
		for _, c := range p.Checks() {
			got[c.ID] = c.Disabled
		}
		for id, want := range tc.disabled {
			if got[id] != want {
				t.Errorf("%v: %s disabled %q, want %q", tc.vars, id, got[id], want)
			}
		}
	}
}

func TestBuiltinNeedsPostgresPrivileges(t *testing.T) {
	cfg := msgtest.Config(t, map[string]string{TypeVar: "postgres"}, Backend{}, awsenv.Backend{})
	p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{})
	// Stand in for the postgres backend's check, passing and failing.
	for _, st := range []checks.Status{checks.Pass, checks.Fail} {
		pp := &checks.Plan{}
		pp.Add(checks.Check{ID: postgresPrivilegesID, Group: "postgres", Title: "t", Run: func(context.Context) checks.Result { return checks.Result{Status: st} }})
		pp.Add(p.Checks()...)
		outs := msgtest.Run(t, pp, 5*time.Second)
		b := outs[BuiltinID]
		if st == checks.Pass {
			msgtest.Expect(t, BuiltinID, b, checks.Pass, "lives in PostgreSQL")
		} else if b.Result.Status != checks.Skip || len(b.Result.BlockedBy) != 1 {
			t.Errorf("with postgres.privileges failing, queue.builtin is %s %v, want skipped and blocked", b.Result.Status, b.Result.BlockedBy)
		}
	}
}
