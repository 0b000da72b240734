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

func (s *suite) lifecycleCheck(ctx context.Context) checks.Result {
	if res, ok := s.lifecycleUnverifiable(); ok {
		return res
	}
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	var fs findings
	for _, nb := range s.bucketsFor(purposes()...) {
		rules, err := be.lifecycle(ctx, nb.Name)
		if err != nil {
			e := asOpError(err)
			st := checks.Warn
			if statusOf(e.Kind) == checks.Error {
				st = checks.Error
			} else if e.Kind == kindNoBucket {
				st = checks.Fail
			}
			fs.add(nb.label(), st, "could not read lifecycle rules: "+describe(e), s.advice(opLifecycle, nb.Name, e))
			continue
		}
		fs.addLifecycle(s, nb, rules)
	}
	return fs.result("no lifecycle rule deletes objects sooner than Spacelift documents")
}

func (fs *findings) addLifecycle(s *suite, nb namedBucket, rules []expiryRule) {
	keepForever := nb.has("states") || nb.has("modules")
	if len(rules) == 0 {
		fs.add(nb.label(), checks.Pass, "no expiry rule", "")
		return
	}
	descr := make([]string, len(rules))
	for i, r := range rules {
		descr[i] = r.String()
	}
	all := strings.Join(descr, "; ")
	if keepForever {
		fs.add(nb.label(), checks.Fail, all+": Spacelift keeps state files and modules forever, so any expiry rule here loses data",
			s.removeRuleAdvice(nb.Name))
		return
	}
	// A bucket shared by several purposes must keep objects as long as the
	// longest documented retention among them.
	need := 0
	for _, p := range nb.Purposes {
		need = max(need, documentedRetention(p))
	}
	for _, r := range rules {
		if r.Days == 0 || r.Days < need {
			fs.add(nb.label(), checks.Warn, fmt.Sprintf("%s, shorter than the %s Spacelift documents", r, plural(need, "day")),
				fmt.Sprintf("Make the rule on %s expire objects after at least %s (Spacelift may still need them before that).", nb.Name, plural(need, "day")))
			return
		}
	}
	fs.add(nb.label(), checks.Pass, all, "")
}
