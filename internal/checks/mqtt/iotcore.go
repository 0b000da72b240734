package mqtt

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// iotClient is the run's one IoT control-plane client, created on first use.
type iotClient = awsenv.Client[*iot.Client]

func newIoTClient(env *awsenv.Env) *iotClient {
	return awsenv.NewClient(env, func(c aws.Config) *iot.Client { return iot.NewFromConfig(c) })
}

// iotFailure turns an IoT API error into a verdict naming the action and
// the resource.
func iotFailure(action, resource string, err error) checks.Result {
	code := awsenv.ErrorCode(err)
	switch {
	case awsenv.IsAccessDenied(err):
		return checks.Failf(fmt.Sprintf("Allow %s on %s for the identity running this check (Spacelift's server and drain roles need the IoT permissions listed in the docs).", action, resource),
			"%s was denied on %s: %s", action, resource, awsenv.ErrorMessage(err)).With(checks.KV("action", action), checks.KV("resource", resource))
	case awsenv.IsBadCredentials(err), awsenv.NoCredentials(err):
		return checks.Errorf(awsenv.CredentialsAdvice, "AWS rejected or could not find the credentials for %s: %s", action, awsenv.ErrorMessage(err))
	case code != "":
		return checks.Errorf("Read the IoT error above; if it persists, run the same call with the AWS CLI to compare.", "%s failed: %s", action, awsenv.ErrorMessage(err))
	}
	return checks.Errorf("Check that the IoT endpoint (iot.REGION.amazonaws.com, HTTPS 443) is reachable from here and that AWS_REGION is right.",
		"could not call %s: %v", action, err)
}

// iotEndpoint is mqtt.iotcore-endpoint: the configured endpoint must be
// the account's iot:Data-ATS endpoint in this region.
func iotEndpoint(ctx context.Context, cfg *config.Config, ic *iotClient) checks.Result {
	client, _, err := ic.Get(ctx)
	if err != nil {
		return checks.Errorf(awsenv.LoadAdvice(err), "cannot use AWS: %v", err)
	}
	out, err := client.DescribeEndpoint(ctx, &iot.DescribeEndpointInput{EndpointType: aws.String("iot:Data-ATS")})
	if err != nil {
		return iotFailure("iot:DescribeEndpoint", "*", err)
	}
	want := strings.ToLower(aws.ToString(out.EndpointAddress))
	raw := strings.TrimSpace(cfg.Get(BrokerEndpoint))
	host := strings.ToLower(raw)
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	details := []checks.Detail{checks.KV("MQTT_BROKER_ENDPOINT", secret.DisplayURL(raw)), checks.KV("iot:Data-ATS endpoint", want)}
	setIt := "Set MQTT_BROKER_ENDPOINT=" + want + " (the output of `aws iot describe-endpoint --endpoint-type iot:Data-ATS`)."
	switch {
	case host == want && strings.ToLower(raw) != want:
		return checks.Failf(setIt, "MQTT_BROKER_ENDPOINT %s names the right endpoint but with a scheme or port; IoT Core wants the bare hostname", secret.ShowURL(raw)).With(details...)
	case host == want:
		return checks.Passf("MQTT_BROKER_ENDPOINT is this account's iot:Data-ATS endpoint %s", want).With(details...)
	case strings.Contains(host, ".iot.") && strings.HasSuffix(host, ".amazonaws.com"):
		return checks.Failf(setIt+" A different IoT endpoint belongs to another account or region, and one without -ats is the legacy endpoint with a retired certificate chain.",
			"MQTT_BROKER_ENDPOINT %s is an IoT Core endpoint, but not this account's iot:Data-ATS endpoint %s", raw, want).With(details...)
	}
	return checks.Warnf("If "+raw+" is a custom domain configuration (used for disaster recovery), make sure it is attached to this account's IoT Core; otherwise "+lowerFirst(setIt),
		"MQTT_BROKER_ENDPOINT %s differs from the iot:Data-ATS endpoint %s (fine only for an IoT custom domain)", raw, want).With(details...)
}

var fromRe = regexp.MustCompile(`(?is)\bFROM\s+'([^']*)'`)

// ruleFindings is what one topic rule lacks.
type ruleFindings struct {
	name            string
	fails, warns    []string
	roleArn, sqlTxt string
}

// topicRule is mqtt.iotcore-topic-rule: a rule must read the namespace's
// writeonly topics and send them, base64-encoded, to the IoT queue.
func topicRule(ctx context.Context, cfg *config.Config, ic *iotClient) checks.Result {
	client, info, err := ic.Get(ctx)
	if err != nil {
		return checks.Errorf(awsenv.LoadAdvice(err), "cannot use AWS: %v", err)
	}
	ns := cfg.Get(IoTCoreNamespace)
	if ns == "" {
		ns = "spacelift"
	}
	topic := ns + "/writeonly/#"
	queueURL := cfg.Get("MESSAGE_QUEUE_SQS_IOT_URL")
	account := cfg.Get(awsenv.AccountID)
	if account == "" {
		account = "ACCOUNT"
	}
	ruleARN := func(name string) string {
		return fmt.Sprintf("arn:%s:iot:%s:%s:rule/%s", info.Partition, info.Region, account, name)
	}

	var names []string
	var token *string
	for page := 0; page < 10; page++ {
		out, err := client.ListTopicRules(ctx, &iot.ListTopicRulesInput{Topic: aws.String(topic), NextToken: token})
		if err != nil {
			return iotFailure("iot:ListTopicRules", "*", err)
		}
		for _, r := range out.Rules {
			names = append(names, aws.ToString(r.RuleName))
		}
		if token = out.NextToken; token == nil || *token == "" {
			break
		}
	}
	// The official module names the rule after the namespace; look it up
	// even when the topic filter did not list it.
	guessed := !contains(names, ns)
	if guessed {
		names = append(names, ns)
	}

	var found []ruleFindings
	guessDenied := false
	for _, name := range names {
		out, err := client.GetTopicRule(ctx, &iot.GetTopicRuleInput{RuleName: aws.String(name)})
		if err != nil {
			// IoT answers UnauthorizedException for a rule that does not
			// exist, so for the guessed name that is "not found".
			if name == ns && guessed && awsenv.IsAccessDenied(err) {
				guessDenied = true
				continue
			}
			return iotFailure("iot:GetTopicRule", ruleARN(name), err)
		}
		found = append(found, evaluateRule(name, out.Rule, topic, queueURL))
	}
	details := []checks.Detail{checks.KV("namespace", ns), checks.KV("topic", topic), checks.KV("MESSAGE_QUEUE_SQS_IOT_URL", queueURL)}
	payload := fmt.Sprintf(`'{"sql":"SELECT *, Timestamp() as timestamp, topic(3) as worker_pool_ulid, topic(4) as worker_ulid FROM '"'"'%s'"'"'","awsIotSqlVersion":"2016-03-23","actions":[{"sqs":{"queueUrl":"%s","roleArn":"ROLE_ARN","useBase64":true}}]}'`,
		topic, orPlaceholder(queueURL))
	roleNote := " ROLE_ARN is a role IoT may assume that allows sqs:SendMessage on the IoT queue (and KMS use of its key)."
	create := fmt.Sprintf("Create the rule the official module creates: `aws iot create-topic-rule --rule-name %s --topic-rule-payload %s`.", ns, payload) + roleNote
	if len(found) == 0 {
		why := "there is no rule named " + ns
		if guessDenied {
			// IoT says UnauthorizedException both for a missing rule and
			// for a denied GetTopicRule.
			why = "GetTopicRule " + ns + " answered UnauthorizedException, which IoT returns both when the rule does not exist and when iot:GetTopicRule is denied on " + ruleARN(ns)
		}
		return checks.Failf(create, "no IoT topic rule reads FROM '%s' (ListTopicRules found none, and %s): worker messages never reach Spacelift", topic, why).With(details...)
	}
	best := found[0]
	for _, f := range found[1:] {
		if len(f.fails) < len(best.fails) || (len(f.fails) == len(best.fails) && len(f.warns) < len(best.warns)) {
			best = f
		}
	}
	details = append(details, checks.KV("rule", best.name), checks.KV("rule ARN", ruleARN(best.name)), checks.KV("sql", best.sqlTxt), checks.KV("role ARN", best.roleArn))
	switch {
	case len(best.fails) > 0:
		return checks.Failf(fmt.Sprintf("Fix the rule to match the official module: `aws iot replace-topic-rule --rule-name %s --topic-rule-payload %s`.", best.name, payload)+roleNote,
			"topic rule %s does not deliver worker messages: %s", best.name, strings.Join(append(best.fails, best.warns...), "; ")).With(details...)
	case len(best.warns) > 0:
		return checks.Warnf("Make rule "+best.name+" match the official module: SELECT *, Timestamp() as timestamp, topic(3) as worker_pool_ulid, topic(4) as worker_ulid FROM '"+topic+"', SQS action with useBase64=true.",
			"topic rule %s forwards %s to the IoT queue, but %s", best.name, topic, strings.Join(best.warns, "; ")).With(details...)
	}
	return checks.Passf("topic rule %s forwards %s to the IoT queue, base64-encoded", best.name, topic).With(details...)
}

func evaluateRule(name string, r *types.TopicRule, topic, queueURL string) ruleFindings {
	f := ruleFindings{name: name}
	if r == nil {
		f.fails = append(f.fails, "IoT returned no rule body")
		return f
	}
	f.sqlTxt = aws.ToString(r.Sql)
	if aws.ToBool(r.RuleDisabled) {
		f.fails = append(f.fails, "the rule is disabled")
	}
	m := fromRe.FindStringSubmatch(f.sqlTxt)
	switch {
	case m == nil:
		f.fails = append(f.fails, "its SQL has no FROM '<topic>' clause")
	case m[1] != topic:
		f.fails = append(f.fails, fmt.Sprintf("its SQL reads FROM '%s', not '%s'", m[1], topic))
	}
	lower := strings.ToLower(strings.Join(strings.Fields(f.sqlTxt), " "))
	for _, want := range []string{"topic(3) as worker_pool_ulid", "topic(4) as worker_ulid", "timestamp() as timestamp"} {
		if !strings.Contains(lower, want) {
			f.warns = append(f.warns, "its SQL does not select "+want)
		}
	}
	var sqs *types.SqsAction
	var targets []string
	for i := range r.Actions {
		if a := r.Actions[i].Sqs; a != nil {
			targets = append(targets, aws.ToString(a.QueueUrl))
			if queueURL != "" && aws.ToString(a.QueueUrl) == queueURL {
				sqs = a
			}
		}
	}
	switch {
	case queueURL == "":
		f.fails = append(f.fails, "MESSAGE_QUEUE_SQS_IOT_URL is not set, so the rule's SQS target cannot be compared")
	case sqs == nil && len(targets) == 0:
		f.fails = append(f.fails, "it has no SQS action")
	case sqs == nil:
		f.fails = append(f.fails, "its SQS action sends to "+strings.Join(targets, ", ")+", not to MESSAGE_QUEUE_SQS_IOT_URL "+queueURL)
	default:
		f.roleArn = aws.ToString(sqs.RoleArn)
		if !aws.ToBool(sqs.UseBase64) {
			f.warns = append(f.warns, "its SQS action has useBase64 off (the official module turns it on)")
		}
	}
	return f
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func orPlaceholder(s string) string {
	if s == "" {
		return "IOT_QUEUE_URL"
	}
	return s
}
