package mqtt

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
)

const (
	iotRegion   = "eu-west-1"
	iotKeyID    = "AKIDIOTTEST"
	iotSecret   = "iot-test-secret-never-printed"
	atsEndpoint = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"
	iotQueueURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/spacelift-iot"
	moduleSQL   = "SELECT *, Timestamp() as timestamp, topic(3) as worker_pool_ulid, topic(4) as worker_ulid FROM 'spacelift/writeonly/#'"
)

func iotVars(more ...string) map[string]string {
	vars := map[string]string{
		BrokerType: "iotcore", BrokerEndpoint: atsEndpoint, queue.TypeVar: "sqs",
		awsenv.Region: iotRegion, awsenv.AccountID: "123456789012",
		awsenv.AccessKeyID: iotKeyID, awsenv.SecretAccessKey: iotSecret,
		"MESSAGE_QUEUE_SQS_IOT_URL": iotQueueURL,
	}
	for i := 0; i+1 < len(more); i += 2 {
		vars[more[i]] = more[i+1]
	}
	return vars
}

func runIoT(t *testing.T, id string, vars map[string]string) checks.Outcome {
	t.Helper()
	cfg := msgtest.Config(t, vars, Backend{}, queue.Backend{}, awsenv.Backend{})
	p := &checks.Plan{}
	register(p, cfg, checks.Options{}, awsenv.New(cfg), noDNS(t))
	o := msgtest.Run(t, p, 10*time.Second, id)[id]
	t.Logf("%s: %s\n%s", id, o.Result.Status, msgtest.Text(o.Result))
	msgtest.NoSecret(t, id, o.Result, iotSecret)
	return o
}

func goodRule() fakeRule {
	return fakeRule{TopicPattern: "spacelift/writeonly/#", Sql: moduleSQL, QueueURL: iotQueueURL, UseBase64: true}
}

func TestIoTEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name, configured string
		deny             bool
		status           checks.Status
		wants            []string
	}{
		{"matches", atsEndpoint, false, checks.Pass, []string{"is this account's iot:Data-ATS endpoint " + atsEndpoint}},
		{"matches ignoring case", "A1B2C3D4E5F6G7-ats.iot.eu-west-1.amazonaws.com", false, checks.Pass, nil},
		{"with a scheme and port", "tls://" + atsEndpoint + ":8883", false, checks.Fail, []string{"with a scheme or port", "Set MQTT_BROKER_ENDPOINT=" + atsEndpoint}},
		{"another account's endpoint", "zzzz-ats.iot.eu-west-1.amazonaws.com", false, checks.Fail, []string{"not this account's iot:Data-ATS endpoint"}},
		{"legacy endpoint", "a1b2c3d4e5f6g7.iot.eu-west-1.amazonaws.com", false, checks.Fail, []string{"legacy endpoint"}},
		{"custom domain", "mqtt.example.com", false, checks.Warn, []string{"custom domain"}},
		{"denied", atsEndpoint, true, checks.Fail, []string{"iot:DescribeEndpoint was denied on *", "UnauthorizedException", "Allow iot:DescribeEndpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgtest.IsolateAWS(t)
			f := newIoTFake(t, iotKeyID, iotSecret, iotRegion)
			f.endpoint = atsEndpoint
			f.deny["DescribeEndpoint"] = tc.deny
			f.start()
			o := runIoT(t, EndpointID, iotVars(BrokerEndpoint, tc.configured))
			msgtest.Expect(t, EndpointID, o, tc.status, tc.wants...)
			if f.verified == 0 || f.rejected != 0 {
				t.Errorf("the fake verified %d and rejected %d signatures; want every request signed correctly", f.verified, f.rejected)
			}
		})
	}
}

// The fake really checks signatures: a client with the wrong secret is
// rejected, and the check reports a credentials problem, not a verdict.
func TestIoTWrongSecretIsRejectedBySignature(t *testing.T) {
	msgtest.IsolateAWS(t)
	f := newIoTFake(t, iotKeyID, iotSecret, iotRegion)
	f.endpoint = atsEndpoint
	f.start()
	o := runIoT(t, EndpointID, iotVars(awsenv.SecretAccessKey, "not-the-secret"))
	msgtest.Expect(t, EndpointID, o, checks.Error, "AWS rejected or could not find the credentials", "InvalidSignatureException")
	if f.rejected == 0 {
		t.Error("the fake accepted a request signed with the wrong secret")
	}
}

func TestIoTTopicRule(t *testing.T) {
	wrongQueue := goodRule()
	wrongQueue.QueueURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/other"
	disabled := goodRule()
	disabled.Disabled = true
	noBase64 := goodRule()
	noBase64.UseBase64 = false
	bareSQL := goodRule()
	bareSQL.Sql = "SELECT * FROM 'spacelift/writeonly/#'"
	wrongFrom := goodRule()
	wrongFrom.Sql = "SELECT * FROM 'spacelift/readonly/#'"
	wrongFrom.TopicPattern = "spacelift/readonly/#"
	unlisted := goodRule()
	unlisted.TopicPattern = "something/else"
	acme := goodRule()
	acme.TopicPattern = "acme/writeonly/#"
	acme.Sql = "SELECT *, Timestamp() as timestamp, topic(3) as worker_pool_ulid, topic(4) as worker_ulid FROM 'acme/writeonly/#'"

	for _, tc := range []struct {
		name   string
		rules  map[string]fakeRule
		deny   string
		vars   []string
		status checks.Status
		wants  []string
	}{
		{"the module's rule", map[string]fakeRule{"spacelift": goodRule()}, "", nil, checks.Pass, []string{"topic rule spacelift forwards spacelift/writeonly/# to the IoT queue", "role ARN: arn:aws:iam::123456789012:role/spacelift-iot"}},
		{"a rule with another name found by topic", map[string]fakeRule{"worker_messages": goodRule()}, "", nil, checks.Pass, []string{"topic rule worker_messages"}},
		{"the namespace's rule found by name", map[string]fakeRule{"spacelift": unlisted}, "", nil, checks.Pass, nil},
		{"a custom namespace", map[string]fakeRule{"acme": acme}, "", []string{IoTCoreNamespace, "acme"}, checks.Pass, []string{"forwards acme/writeonly/#"}},
		{"no rule", map[string]fakeRule{}, "", nil, checks.Fail, []string{"no IoT topic rule reads FROM 'spacelift/writeonly/#'", "aws iot create-topic-rule --rule-name spacelift", iotQueueURL}},
		{"the wrong queue", map[string]fakeRule{"spacelift": wrongQueue}, "", nil, checks.Fail, []string{"not to MESSAGE_QUEUE_SQS_IOT_URL " + iotQueueURL}},
		{"a disabled rule", map[string]fakeRule{"spacelift": disabled}, "", nil, checks.Fail, []string{"the rule is disabled"}},
		{"the wrong topic", map[string]fakeRule{"spacelift": wrongFrom}, "", nil, checks.Fail, []string{"reads FROM 'spacelift/readonly/#', not 'spacelift/writeonly/#'"}},
		{"base64 off", map[string]fakeRule{"spacelift": noBase64}, "", nil, checks.Warn, []string{"useBase64 off"}},
		{"the SQL lacks the worker fields", map[string]fakeRule{"spacelift": bareSQL}, "", nil, checks.Warn, []string{"does not select topic(3) as worker_pool_ulid"}},
		{"ListTopicRules denied", map[string]fakeRule{"spacelift": goodRule()}, "ListTopicRules", nil, checks.Fail, []string{"iot:ListTopicRules was denied on *"}},
		{"GetTopicRule denied", map[string]fakeRule{"worker_messages": goodRule()}, "GetTopicRule", nil, checks.Fail, []string{"iot:GetTopicRule was denied on arn:aws:iot:eu-west-1:123456789012:rule/worker_messages"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgtest.IsolateAWS(t)
			f := newIoTFake(t, iotKeyID, iotSecret, iotRegion)
			f.rules = tc.rules
			if tc.deny != "" {
				f.deny[tc.deny] = true
			}
			f.start()
			o := runIoT(t, TopicRuleID, iotVars(tc.vars...))
			msgtest.Expect(t, TopicRuleID, o, tc.status, tc.wants...)
			if f.rejected != 0 {
				t.Errorf("the fake rejected %d signatures", f.rejected)
			}
		})
	}
}

func TestIoTChecksDisabledForBuiltin(t *testing.T) {
	cfg := msgtest.Config(t, map[string]string{BrokerType: "builtin", BrokerEndpoint: "tls://mqtt.example.com:1984"}, Backend{}, queue.Backend{}, awsenv.Backend{})
	p := checks.Build([]checks.Backend{Backend{}}, cfg, checks.Options{})
	for _, c := range p.Checks() {
		if (c.ID == EndpointID || c.ID == TopicRuleID) && c.Disabled != "MQTT_BROKER_TYPE is builtin" {
			t.Errorf("%s disabled %q", c.ID, c.Disabled)
		}
		if c.ID == ConnectID && c.Disabled != "" {
			t.Errorf("%s disabled %q", c.ID, c.Disabled)
		}
	}
}
