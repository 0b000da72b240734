package awsenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// subject is one role's principal, as simulated.
type subject struct {
	role Role
	arn  string
	// from says where the ARN came from: a role variable, or this tool's
	// own identity.
	from  string
	named bool
}

// resourceNeed is what one role needs on one resource: the actions of
// every Need about it, merged.
type resourceNeed struct {
	resource, what string
	actions        []string
}

const simulationScope = "The simulation evaluates the principal's identity-based policies and permissions boundary; a grant in a bucket, queue or key policy is not part of it."

// simulate runs iam:SimulatePrincipalPolicy for every role it has a
// principal for, on what that role needs, and says in a few words what it
// did.
func (c *identityCheck) simulate(ctx context.Context, ac aws.Config, me principal, acct string, v *checks.Verdict) string {
	arns := c.env.ARNsOf()
	if arns.Account == "" {
		arns.Account = acct
	}
	if arns.Region == "" {
		arns.Region = ac.Region
	}
	needs := NeedsOf(c.backends, c.cfg, arns)
	if len(needs) == 0 {
		return "no AWS resource of Spacelift's to simulate permissions on"
	}
	subjects, unnamed := c.subjects(me, needs)
	if len(unnamed) > 0 {
		v.Detail("not simulated", strings.Join(unnamed, "; "))
	}
	if len(subjects) == 0 {
		v.Warn("simulation", "Name the roles with SPACECTL_PREFLIGHT_AWS_ROLE_SERVER, _DRAIN and _SCHEDULER (their ARNs), or run this tool as the server's role.",
			"could not verify Spacelift's permissions: %s cannot be simulated and no role variable names a role", me.describe(""))
		return "permissions not verified"
	}
	needs = append(needs, c.keyNeeds(ctx, needs, v)...)
	needs = resolveAliases(ctx, kms.NewFromConfig(ac), needs, v)
	client := iam.NewFromConfig(ac)
	steps := make([][]checks.Step, len(subjects))
	var wg sync.WaitGroup
	for i, s := range subjects {
		wg.Go(func() { steps[i] = simulateRole(ctx, client, s, perResource(needs, s.role)) })
	}
	wg.Wait()
	var roles []string
	for i, s := range subjects {
		for _, st := range steps[i] {
			v.Add(st)
		}
		roles = append(roles, string(s.role))
		v.Detail("simulated "+string(s.role)+" as", s.arn+" ("+s.from+")")
	}
	return "permissions simulated for " + strings.Join(roles, ", ")
}

// subjects picks each role's principal: its role variable, else for the
// server this tool's own identity (docs/kubernetes runs it as the server's
// role). It also says which roles that need something are left out.
func (c *identityCheck) subjects(me principal, needs []Need) ([]subject, []string) {
	used := map[Role]bool{}
	for _, n := range needs {
		for _, r := range n.Roles {
			used[r] = true
		}
	}
	var out []subject
	var unnamed []string
	for _, rv := range roleVars() {
		if !used[rv.role] {
			continue
		}
		switch arn := c.cfg.Get(rv.name); {
		case arn != "" && isEntityARN(arn):
			out = append(out, subject{role: rv.role, arn: arn, from: rv.name, named: true})
		case arn != "":
			// config.values fails the malformed ARN.
			unnamed = append(unnamed, fmt.Sprintf("%s (%s is not a role ARN)", rv.role, rv.name))
		case rv.role == Server && me.policyARN != "":
			out = append(out, subject{role: Server, arn: me.policyARN, from: "this tool's own identity; set " + RoleServer + " if the server runs as another role"})
		default:
			unnamed = append(unnamed, fmt.Sprintf("%s (set %s to its role ARN)", rv.role, rv.name))
		}
	}
	return out, unnamed
}

// keyNeeds reads which resources are encrypted with a customer managed
// KMS key and returns, per key, kms:Decrypt and kms:GenerateDataKey for
// every role that needs something on those resources: writing to an
// SSE-KMS bucket or queue generates a data key, reading decrypts one.
func (c *identityCheck) keyNeeds(ctx context.Context, needs []Need, v *checks.Verdict) []Need {
	uses := KeyUsesOf(ctx, c.backends, c.env, c.cfg)
	arns := c.env.ARNsOf()
	byKey := map[string]*Need{}
	var order []string
	var unread []string
	for _, u := range uses {
		switch {
		case u.ReportedBy != "":
			unread = append(unread, u.What+" ("+u.ReportedBy+" reports it)")
			continue
		case u.Unknown != "":
			unread = append(unread, u.What+": "+u.Unknown)
			continue
		}
		if u.Key == "" || u.AWSManaged {
			continue
		}
		var roles []Role
		for _, n := range needs {
			if u.Covers(n.Resource) {
				roles = appendNew(roles, n.Roles...)
			}
		}
		if len(roles) == 0 {
			continue
		}
		ref := KeyARN(u.Key, arns)
		n, ok := byKey[ref]
		if !ok {
			n = &Need{Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: ref, What: "KMS key " + u.Key + " that encrypts " + u.What}
			byKey[ref] = n
			order = append(order, ref)
		} else {
			n.What += ", " + u.What
		}
		n.Roles = appendNew(n.Roles, roles...)
	}
	if len(unread) > 0 {
		v.Detail("encryption at rest not read", strings.Join(unread, "; "))
	}
	out := make([]Need, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

func appendNew(rs []Role, add ...Role) []Role {
	for _, r := range add {
		if !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// KeyARN turns a KMS key reference (key ID, key ARN, alias name or alias
// ARN) into the ARN an IAM policy names: a key ID becomes the key's ARN in
// the configured region and account, an alias name the alias's ARN (which
// resolveAliases turns into the key's).
func KeyARN(ref string, a ARNs) string {
	switch {
	case strings.HasPrefix(ref, "arn:"):
		return ref
	case strings.HasPrefix(ref, "alias/"):
		return "arn:" + a.Partition + ":kms:" + a.Region + ":" + a.Account + ":" + ref
	}
	return "arn:" + a.Partition + ":kms:" + a.Region + ":" + a.Account + ":key/" + ref
}

// resolveAliases replaces every KMS alias ARN among the needs by the key's
// ARN (policies name keys, not aliases), through kms:DescribeKey. A need
// whose alias cannot be resolved is left out, with a warning.
func resolveAliases(ctx context.Context, client *kms.Client, needs []Need, v *checks.Verdict) []Need {
	resolved := map[string]string{}
	var out []Need
	for _, n := range needs {
		if !strings.Contains(n.Resource, ":kms:") || !strings.Contains(n.Resource, ":alias/") {
			out = append(out, n)
			continue
		}
		arn, ok := resolved[n.Resource]
		if !ok {
			d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(n.Resource)})
			if err == nil && d.KeyMetadata != nil {
				arn = aws.ToString(d.KeyMetadata.Arn)
			} else if err != nil {
				v.Warn("simulation", "Name the key by its ARN, or allow kms:DescribeKey on it for this tool's identity.",
					"%s was not simulated: its alias %s could not be resolved to a key (%s)", n.What, n.Resource, ErrorMessage(err))
			}
			resolved[n.Resource] = arn
		}
		if arn != "" {
			n.Resource = arn
			out = append(out, n)
		}
	}
	return out
}

// perResource merges what role needs, resource by resource, in the order
// the backends listed them.
func perResource(needs []Need, role Role) []resourceNeed {
	var out []resourceNeed
	idx := map[string]int{}
	for _, n := range needs {
		if !slices.Contains(n.Roles, role) {
			continue
		}
		i, ok := idx[n.Resource]
		switch {
		case !ok:
			i = len(out)
			idx[n.Resource] = i
			out = append(out, resourceNeed{resource: n.Resource, what: n.What})
		case !strings.Contains(out[i].what, n.What):
			// One key named two ways (an alias and its ARN).
			out[i].what += ", " + n.What
		}
		for _, a := range n.Actions {
			if !slices.Contains(out[i].actions, a) {
				out[i].actions = append(out[i].actions, a)
			}
		}
	}
	return out
}

// simulateRole simulates each resource's actions for one principal, one
// resource per request (IAM evaluates every action against every resource
// of a request). The first refusal of the simulator itself ends the role:
// every later request would be refused too.
func simulateRole(ctx context.Context, client *iam.Client, s subject, rns []resourceNeed) []checks.Step {
	name := string(s.role)
	var steps []checks.Step
	allowed := 0
	for _, rn := range rns {
		denied, err := simulateOne(ctx, client, s.arn, rn)
		if err != nil {
			return append(steps, simulationError(s, err))
		}
		allowed += len(rn.actions) - len(denied)
		if len(denied) > 0 {
			steps = append(steps, checks.Step{Name: name, Status: checks.Fail,
				Message: fmt.Sprintf("%s may not %s on %s (%s)", s.arn, strings.Join(denied, ", "), rn.what, rn.resource),
				Advice: fmt.Sprintf("Allow %s on %s in the IAM policy of %s (the official terraform-aws-iam-spacelift-selfhosted module grants them to the %s role). %s",
					strings.Join(actionsOf(denied), ", "), rn.resource, s.arn, s.role, simulationScope),
				Evidence: checks.Details{checks.KV("principal", s.arn+" ("+s.from+")")}})
		}
	}
	if len(steps) == 0 {
		steps = append(steps, checks.Step{Name: name, Status: checks.Pass,
			Message: fmt.Sprintf("%s may perform all %d actions on %d resources", s.arn, allowed, len(rns))})
	}
	return steps
}

// simulateOne returns the actions the simulator does not allow, each with
// its decision ("s3:GetObject (implicitDeny)").
func simulateOne(ctx context.Context, client *iam.Client, arn string, rn resourceNeed) ([]string, error) {
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(arn), ActionNames: rn.actions}
	if rn.resource != "*" {
		in.ResourceArns = []string{rn.resource}
	}
	var denied []string
	p := iam.NewSimulatePrincipalPolicyPaginator(client, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range out.EvaluationResults {
			if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
				denied = append(denied, aws.ToString(r.EvalActionName)+" ("+string(r.EvalDecision)+")")
			}
		}
	}
	return denied, nil
}

func actionsOf(denied []string) []string {
	out := make([]string, len(denied))
	for i, d := range denied {
		out[i], _, _ = strings.Cut(d, " ")
	}
	return out
}

// simulationError says why a role could not be simulated: the simulator
// refused (could not verify, never a failure), the named role does not
// exist, or no answer came.
func simulationError(s subject, err error) checks.Step {
	name := string(s.role)
	var nse *iamtypes.NoSuchEntityException
	switch {
	case IsAccessDenied(err):
		return checks.Step{Name: name, Status: checks.Warn,
			Message:  fmt.Sprintf("could not verify the %s role's permissions: iam:SimulatePrincipalPolicy on %s is denied to this identity", s.role, s.arn),
			Advice:   "Allow iam:SimulatePrincipalPolicy on Spacelift's roles for the identity running this tool (Spacelift itself does not need it), or run it as an administrator with the role variables set.",
			Evidence: checks.Details{checks.KV("aws error", ErrorMessage(err))}}
	case errors.As(err, &nse) && s.named:
		return checks.Step{Name: name, Status: checks.Fail,
			Message: fmt.Sprintf("%s names %s, which IAM does not know", s.from, s.arn),
			Advice:  fmt.Sprintf("Set %s to the ARN `aws iam get-role --role-name NAME --query Role.Arn` prints.", s.from)}
	case errors.As(err, &nse):
		return checks.Step{Name: name, Status: checks.Warn,
			Message: fmt.Sprintf("could not verify the %s role's permissions: IAM does not know %s (a role under a path has a longer ARN than its sessions show)", s.role, s.arn),
			Advice:  "Set " + RoleServer + " to the role's full ARN (`aws iam get-role --role-name NAME --query Role.Arn`)."}
	}
	r := apiFailure("iam:SimulatePrincipalPolicy", "IAM", err)
	return checks.Step{Name: name, Status: r.Status, Message: fmt.Sprintf("%s role (%s): %s", s.role, s.arn, r.Message), Advice: r.Advice}
}
