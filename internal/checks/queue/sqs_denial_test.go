package queue

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// iamShim sits in front of the real local-aws-sqs and plays IAM, which the
// emulator does not have: it answers the denied actions the way SQS does
// (AccessDenied over the JSON protocol) and forwards everything else.
type iamShim struct {
	deny map[string]bool
	// stallFirst, when set, holds the first call of that action for
	// stallFor and then fails it without forwarding, as a slow network
	// would.
	stallFirst string
	stallFor   time.Duration
	stalled    atomic.Bool
}

func (s *iamShim) start(t *testing.T) string {
	t.Helper()
	target, err := url.Parse(testsvc.Require(t, "SPT_SQS_ENDPOINT")[0])
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
		if action == s.stallFirst && s.stalled.CompareAndSwap(false, true) {
			select {
			case <-time.After(s.stallFor):
			case <-r.Context().Done():
			}
			http.Error(w, "stalled", http.StatusServiceUnavailable)
			return
		}
		if s.deny[action] {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amzn-Query-Error", "AccessDenied;Sender")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"com.amazon.coral.service#AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/preflight is not authorized to perform: sqs:` + action + `"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SQS", srv.URL)
	return srv.URL
}

func TestSQSDenialsNameTheActionAndARN(t *testing.T) {
	for _, tc := range []struct {
		action    string
		leftovers int
		wants     []string
	}{
		{"GetQueueAttributes", 0, []string{"sqs:GetQueueAttributes was denied on arn:aws:sqs:us-east-1:123456789012:"}},
		{"SendMessage", 0, []string{"sqs:SendMessage was denied on arn:aws:sqs:us-east-1:123456789012:"}},
		{"ReceiveMessage", 1, []string{"sqs:ReceiveMessage was denied on arn:aws:sqs:", "probe message left behind", "purge-queue"}},
		{"DeleteMessage", 1, []string{"sqs:DeleteMessage was denied on arn:aws:sqs:", "probe message left behind", "purge-queue"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			f := newQueues(t, nil)
			(&iamShim{deny: map[string]bool{tc.action: true}}).start(t)
			outs := f.run(checks.Options{}, nil)
			id := SQSPrefix + "webhooks"
			msgtest.Expect(t, id, outs[id], checks.Fail, append(tc.wants, "Allow sqs:"+tc.action)...)
			// The check must say so when it leaves a message, and leave
			// one only when the identity may not remove it.
			if n := f.count("webhooks"); n != tc.leftovers {
				t.Errorf("%d message(s) in the queue after the check, want %d", n, tc.leftovers)
			}
			purge(t, f, "webhooks")
		})
	}
}

func TestSQSProbeCleansUpAfterATimeout(t *testing.T) {
	f := newQueues(t, nil)
	// The probe's first ReceiveMessage hangs past the check's deadline;
	// the cleanup, on a context of its own, must still find and delete
	// the message.
	(&iamShim{stallFirst: "ReceiveMessage", stallFor: 3 * time.Second}).start(t)
	cfg := f.config(nil)
	p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{})
	start := time.Now()
	outs := msgtest.Run(t, p, 1500*time.Millisecond, SQSPrefix+"async")
	if d := time.Since(start); d > 1500*time.Millisecond+cleanupTimeout+time.Second {
		t.Errorf("the run took %s", d)
	}
	o := outs[SQSPrefix+"async"]
	if o.Result.Status != checks.Error || !strings.Contains(o.Result.Message, "timed out") {
		t.Errorf("status %s %q, want a timeout error", o.Result.Status, o.Result.Message)
	}
	if n := f.count("async"); n != 0 {
		t.Errorf("%d probe message(s) left after the timed-out check", n)
	}
}

// purge empties a queue the test left messages in, including in-flight
// ones, so the fixture's DeleteQueue starts clean.
func purge(t *testing.T, f *sqsFixture, name string) {
	t.Helper()
	_, err := f.admin.PurgeQueue(t.Context(), &sqs.PurgeQueueInput{QueueUrl: aws.String(f.urls[name])})
	if err != nil {
		t.Logf("purge %s: %v", name, err)
	}
}
