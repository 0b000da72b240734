package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// documentedRetention is the retention, in days, Spacelift documents per
// bucket (spacelift-requirements §7.1); 0 means objects must be kept
// forever.
func documentedRetention(purpose string) int {
	switch purpose {
	case "deliveries", "uploads", "user-uploaded-workspaces":
		return 1
	case "large-queue-messages", "metadata":
		return 2
	case "policy-inputs", "workspace":
		return 7
	case "run-logs":
		return 60
	}
	return 0
}

// accountLifecycle is a backend whose lifecycle rules are one account-wide
// policy (Azure's management policy), read once before the buckets are
// judged; where says what was read, as whom.
type accountLifecycle interface {
	loadPolicy(ctx context.Context) (where string, err error)
}

func (s *suite) lifecycleCheck(ctx context.Context) checks.Result {
	if res, ok := s.lifecycleUnverifiable(); ok {
		return res
	}
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	var v checks.Verdict
	v.NotChecked(s.bucketWord(), notCheckedWhy)
	for _, d := range s.whereDetails(ctx, be) {
		v.Detail(d.Key, d.Value)
	}
	if al, ok := be.(accountLifecycle); ok {
		where, err := al.loadPolicy(ctx)
		if err != nil {
			// One account-wide setting: one finding, not one per bucket.
			e := asOpError(err)
			return checks.Warnf(s.advice(opLifecycle, "", e),
				"could not verify lifecycle rules: reading the storage account's management policy failed: %s", describe(e)).
				With(v.Details()...).With(checks.KV("management policy", where))
		}
		v.Detail("management policy", where)
	}
	for _, nb := range s.bucketsFor(purposes()...) {
		rules, err := be.lifecycle(ctx, nb.Name)
		if err != nil {
			e := asOpError(err)
			if msg, ok := s.skipFailed(ctx, be, nb, e); ok {
				v.Skip(nb.label(), "%s", msg)
				continue
			}
			st := checks.Warn
			if statusOf(e.Kind) == checks.Error {
				st = checks.Error
			}
			v.Add(checks.Step{Name: nb.label(), Status: st, Message: "could not read lifecycle rules: " + describe(e), Advice: s.advice(opLifecycle, nb.Name, e)})
			continue
		}
		v.Add(s.lifecycleStep(nb, rules))
	}
	return v.Result("no lifecycle rule deletes objects sooner than Spacelift documents")
}

// lifecycleStep judges one bucket's expiry rules against the retention
// Spacelift documents for its purposes.
func (s *suite) lifecycleStep(nb namedBucket, rules []expiryRule) checks.Step {
	step := checks.Step{Name: nb.label(), Status: checks.Pass}
	keepForever := nb.has("states") || nb.has("modules")
	if len(rules) == 0 {
		step.Message = "no expiry rule"
		return step
	}
	descr := make([]string, len(rules))
	for i, r := range rules {
		descr[i] = r.String()
	}
	all := strings.Join(descr, "; ")
	if keepForever {
		step.Status, step.Message = checks.Fail, all+": Spacelift keeps state files and modules forever, so any expiry rule here loses data"
		step.Advice = s.removeRuleAdvice(nb.Name)
		return step
	}
	// A bucket shared by several purposes must keep objects as long as the
	// longest documented retention among them.
	need := 0
	for _, p := range nb.Purposes {
		need = max(need, documentedRetention(p))
	}
	for _, r := range rules {
		if r.Days == 0 || r.Days < need {
			step.Status, step.Message = checks.Warn, fmt.Sprintf("%s, shorter than the %s Spacelift documents", r, plural(need, "day"))
			step.Advice = fmt.Sprintf("Make the rule on %s expire objects after at least %s (Spacelift may still need them before that).", nb.Name, plural(need, "day"))
			return step
		}
	}
	step.Message = all
	return step
}
