package mqtt

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc/awsfake"
)

// iotFake stands in for the IoT Core control plane, which has no emulator.
// Unlike a plain stub it verifies every request's SigV4 signature (service
// "iot", awsfake.Verify) with the secret it knows, and answers
// DescribeEndpoint, ListTopicRules and GetTopicRule the way IoT does,
// including UnauthorizedException.
type iotFake struct {
	t        *testing.T
	keyID    string
	secret   string
	region   string
	endpoint string
	rules    map[string]fakeRule
	deny     map[string]bool // by action name, e.g. "GetTopicRule"

	mu       sync.Mutex
	verified int
	rejected int
}

type fakeRule struct {
	TopicPattern string
	Sql          string
	Disabled     bool
	QueueURL     string
	UseBase64    bool
}

func newIoTFake(t *testing.T, keyID, secret, region string) *iotFake {
	return &iotFake{t: t, keyID: keyID, secret: secret, region: region, rules: map[string]fakeRule{}, deny: map[string]bool{}}
}

func (f *iotFake) start() string {
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	f.t.Cleanup(srv.Close)
	f.t.Setenv("AWS_ENDPOINT_URL_IOT", srv.URL)
	return srv.URL
}

func (f *iotFake) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (f *iotFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := f.verify(r, body); err != "" {
		f.mu.Lock()
		f.rejected++
		f.mu.Unlock()
		f.fail(w, http.StatusForbidden, "InvalidSignatureException", err)
		return
	}
	f.mu.Lock()
	f.verified++
	f.mu.Unlock()
	action, arg := route(r)
	if action == "" {
		f.fail(w, http.StatusNotFound, "ResourceNotFoundException", "no route "+r.URL.Path)
		return
	}
	if f.deny[action] {
		f.fail(w, http.StatusUnauthorized, "UnauthorizedException", "User: arn:aws:iam::123456789012:user/preflight is not authorized to perform: iot:"+action)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch action {
	case "DescribeEndpoint":
		if r.URL.Query().Get("endpointType") != "iot:Data-ATS" {
			f.fail(w, http.StatusBadRequest, "InvalidRequestException", "want endpointType iot:Data-ATS")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"endpointAddress": f.endpoint})
	case "ListTopicRules":
		topic := r.URL.Query().Get("topic")
		var items []map[string]any
		for name, rule := range f.rules {
			if topic == "" || rule.TopicPattern == topic {
				items = append(items, map[string]any{"ruleName": name, "topicPattern": rule.TopicPattern, "ruleDisabled": rule.Disabled,
					"ruleArn": "arn:aws:iot:" + f.region + ":123456789012:rule/" + name})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"rules": items})
	case "GetTopicRule":
		rule, ok := f.rules[arg]
		if !ok {
			// What IoT really answers for a rule that does not exist.
			f.fail(w, http.StatusUnauthorized, "UnauthorizedException", "Access to rule "+arg+" is denied")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ruleArn": "arn:aws:iot:" + f.region + ":123456789012:rule/" + arg,
			"rule": map[string]any{"ruleName": arg, "sql": rule.Sql, "ruleDisabled": rule.Disabled, "awsIotSqlVersion": "2016-03-23",
				"actions": []any{map[string]any{"sqs": map[string]any{"queueUrl": rule.QueueURL, "roleArn": "arn:aws:iam::123456789012:role/spacelift-iot", "useBase64": rule.UseBase64}}}},
		})
	}
}

func route(r *http.Request) (action, arg string) {
	if r.Method != http.MethodGet {
		return "", ""
	}
	switch p := r.URL.Path; {
	case p == "/endpoint":
		return "DescribeEndpoint", ""
	case p == "/rules":
		return "ListTopicRules", ""
	case strings.HasPrefix(p, "/rules/") && !strings.Contains(p[len("/rules/"):], "/"):
		return "GetTopicRule", p[len("/rules/"):]
	}
	return "", ""
}

// verify checks the request's SigV4 signature (service "iot"); it returns
// "" when the signature holds.
func (f *iotFake) verify(r *http.Request, body []byte) string {
	return awsfake.Verify(r, body, f.keyID, f.secret, f.region, "iot")
}
