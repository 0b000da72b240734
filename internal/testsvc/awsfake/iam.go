package awsfake

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// IAM stands in for AWS STS (GetCallerIdentity) and IAM's policy simulator
// (SimulatePrincipalPolicy), which no local emulator offers. It knows a set
// of callers (access key, secret, ARN), verifies every request's signature
// against the caller's secret, and evaluates a simulation against the
// allow and deny statements a test gives each principal, the way IAM
// evaluates identity-based policies: an explicit deny wins, then an allow,
// else an implicit deny. Point the SDK at it with AWS_ENDPOINT_URL_STS and
// AWS_ENDPOINT_URL_IAM (Start does).
type IAM struct {
	t *testing.T
	// region is the signing region the SDK uses for both services.
	region string

	mu         sync.Mutex
	callers    map[string]caller // by access key ID
	policies   map[string]*policy
	noSimulate map[string]bool // caller ARNs refused iam:SimulatePrincipalPolicy
	calls      map[string]int  // by action
	simulated  []Simulation
}

type caller struct{ secret, arn string }

type statement struct{ actions, resources []string }

type policy struct{ allow, deny []statement }

// Simulation is one SimulatePrincipalPolicy request the fake answered.
type Simulation struct {
	Principal string
	Actions   []string
	Resources []string
}

// NewIAM returns a fake that expects requests signed for region.
func NewIAM(t *testing.T, region string) *IAM {
	return &IAM{t: t, region: region, callers: map[string]caller{}, policies: map[string]*policy{},
		noSimulate: map[string]bool{}, calls: map[string]int{}}
}

// AddCaller makes keyID/secret authenticate as arn (an IAM user, an
// assumed-role session, ...); the account is the ARN's.
func (f *IAM) AddCaller(keyID, secret, arn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callers[keyID] = caller{secret: secret, arn: arn}
}

// AddPrincipal makes principal a known entity with no permissions yet
// (SimulatePrincipalPolicy answers NoSuchEntity for unknown ones).
func (f *IAM) AddPrincipal(principal string) { f.policy(principal) }

// Allow lets principal perform the actions on the resources (patterns
// with * wildcards, as in a policy).
func (f *IAM) Allow(principal string, actions []string, resources ...string) {
	p := f.policy(principal)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.allow = append(p.allow, statement{actions: actions, resources: resources})
}

// Deny explicitly denies the actions on the resources.
func (f *IAM) Deny(principal string, actions []string, resources ...string) {
	p := f.policy(principal)
	f.mu.Lock()
	defer f.mu.Unlock()
	p.deny = append(p.deny, statement{actions: actions, resources: resources})
}

// RefuseSimulation makes iam:SimulatePrincipalPolicy AccessDenied for the
// caller with this ARN.
func (f *IAM) RefuseSimulation(callerARN string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noSimulate[callerARN] = true
}

func (f *IAM) policy(principal string) *policy {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[principal]
	if !ok {
		p = &policy{}
		f.policies[principal] = p
	}
	return p
}

// Calls is how many signed requests for action the fake answered.
func (f *IAM) Calls(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[action]
}

// Simulations returns the simulations answered so far.
func (f *IAM) Simulations() []Simulation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Simulation(nil), f.simulated...)
}

// Start serves the fake on a loopback port and points the SDK's STS and
// IAM endpoints at it for the rest of the test.
func (f *IAM) Start() string {
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	f.t.Cleanup(srv.Close)
	f.t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	f.t.Setenv("AWS_ENDPOINT_URL_IAM", srv.URL)
	return srv.URL
}

// services maps each action the fake answers to the service it must be
// signed for.
var services = map[string]string{"GetCallerIdentity": "sts", "SimulatePrincipalPolicy": "iam"}

func (f *IAM) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		f.fail(w, "sts", http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost {
		f.fail(w, "sts", http.StatusBadRequest, "InvalidRequest", "want a form-encoded POST")
		return
	}
	action := form.Get("Action")
	service, known := services[action]
	if !known {
		f.fail(w, "sts", http.StatusBadRequest, "InvalidAction", "unknown action "+action)
		return
	}
	scope, ok := ParseScope(r)
	f.mu.Lock()
	c, found := f.callers[scope.KeyID]
	f.mu.Unlock()
	switch {
	case !ok:
		f.fail(w, service, http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
		return
	case !found:
		f.fail(w, service, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	if msg := Verify(r, body, scope.KeyID, c.secret, f.region, service); msg != "" {
		f.fail(w, service, http.StatusForbidden, "SignatureDoesNotMatch", msg)
		return
	}
	f.mu.Lock()
	f.calls[action]++
	f.mu.Unlock()
	switch action {
	case "GetCallerIdentity":
		f.callerIdentity(w, c)
	case "SimulatePrincipalPolicy":
		f.simulate(w, c, form)
	}
}

func accountOf(arn string) string {
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 {
		return p[4]
	}
	return ""
}

func (f *IAM) callerIdentity(w http.ResponseWriter, c caller) {
	type result struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}
	f.write(w, "GetCallerIdentityResponse", "https://sts.amazonaws.com/doc/2011-06-15/", "GetCallerIdentityResult",
		result{Arn: c.arn, UserID: "AIDAFAKEUSERID", Account: accountOf(c.arn)})
}

func members(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", name, i)]
		if !ok {
			return out
		}
		out = append(out, v...)
	}
}

func (f *IAM) simulate(w http.ResponseWriter, c caller, form url.Values) {
	principal := form.Get("PolicySourceArn")
	actions, resources := members(form, "ActionNames"), members(form, "ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	f.mu.Lock()
	refused := f.noSimulate[c.arn]
	p, known := f.policies[principal]
	if !refused && known {
		f.simulated = append(f.simulated, Simulation{Principal: principal, Actions: actions, Resources: resources})
	}
	f.mu.Unlock()
	switch {
	case refused:
		f.fail(w, "iam", http.StatusForbidden, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:SimulatePrincipalPolicy on resource: %s", c.arn, principal))
		return
	case !known:
		f.fail(w, "iam", http.StatusNotFound, "NoSuchEntity", "The principal "+principal+" cannot be found.")
		return
	case len(actions) == 0:
		f.fail(w, "iam", http.StatusBadRequest, "ValidationError", "ActionNames is required")
		return
	}
	type member struct {
		Action   string `xml:"EvalActionName"`
		Resource string `xml:"EvalResourceName"`
		Decision string `xml:"EvalDecision"`
	}
	type result struct {
		IsTruncated bool     `xml:"IsTruncated"`
		Results     []member `xml:"EvaluationResults>member"`
	}
	var res result
	for _, a := range actions {
		// One resource per request is what the checks send; with several,
		// IAM would nest per-resource results, which the fake does not.
		res.Results = append(res.Results, member{Action: a, Resource: resources[0], Decision: f.decide(p, a, resources[0])})
	}
	f.write(w, "SimulatePrincipalPolicyResponse", "https://iam.amazonaws.com/doc/2010-05-08/", "SimulatePrincipalPolicyResult", res)
}

func (f *IAM) decide(p *policy, action, resource string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	match := func(ss []statement) bool {
		for _, s := range ss {
			if anyMatch(s.actions, action) && anyMatch(s.resources, resource) {
				return true
			}
		}
		return false
	}
	switch {
	case match(p.deny):
		return "explicitDeny"
	case match(p.allow):
		return "allowed"
	}
	return "implicitDeny"
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if Wildcard(p, s) {
			return true
		}
	}
	return false
}

// Wildcard matches s against an IAM pattern where * is any run of
// characters (case-sensitive, as for resources).
func Wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func (f *IAM) write(w http.ResponseWriter, root, ns, resultName string, result any) {
	w.Header().Set("Content-Type", "text/xml")
	out, err := xml.Marshal(result)
	if err != nil {
		f.t.Errorf("awsfake: %v", err)
		return
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(string(out), "<result>"), "</result>")
	fmt.Fprintf(w, `<%s xmlns="%s"><%s>%s</%s><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%s>`,
		root, ns, resultName, inner, resultName, root)
}

// fail answers with the query protocol's error document.
func (f *IAM) fail(w http.ResponseWriter, service string, status int, code, msg string) {
	ns := "https://sts.amazonaws.com/doc/2011-06-15/"
	if service == "iam" {
		ns = "https://iam.amazonaws.com/doc/2010-05-08/"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(msg))
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
		ns, code, esc.String())
}
