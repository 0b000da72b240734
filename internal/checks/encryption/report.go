package encryption

import (
	"fmt"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// report accumulates what a check learns step by step: the worst status,
// every problem in order, and details. The verdict message is the first
// problem of the worst status, so a report reads "what broke" first.
type report struct {
	status   checks.Status
	problems []problem
	details  checks.Details
}

type problem struct {
	status  checks.Status
	message string
	advice  string
}

func (r *report) add(st checks.Status, msg, advice string) {
	if r.status < checks.Pass {
		r.status = checks.Pass
	}
	r.status = checks.Worse(r.status, st)
	r.problems = append(r.problems, problem{st, msg, advice})
}

func (r *report) warn(msg, advice string) { r.add(checks.Warn, msg, advice) }
func (r *report) fail(msg, advice string) { r.add(checks.Fail, msg, advice) }

func (r *report) detail(key string, value any) { r.details.Add(key, value) }

// merge folds a finished Result (e.g. a classified SDK error) into r.
func (r *report) merge(res checks.Result) {
	r.add(res.Status, res.Message, res.Advice)
	r.details = append(r.details, res.Details...)
}

// stopped reports whether a step failed in a way that makes later steps
// pointless.
func (r *report) stopped() bool { return r.status == checks.Fail || r.status == checks.Error }

func (r *report) result(passMsg string) checks.Result {
	res := checks.Result{Status: checks.Pass, Message: passMsg, Details: r.details}
	if len(r.problems) == 0 || r.status == checks.Pass {
		return res
	}
	res.Status = r.status
	var first *problem
	var advice []string
	seen := map[string]bool{}
	for i := range r.problems {
		p := &r.problems[i]
		if first == nil && p.status == r.status {
			first = p
		}
		if p.advice != "" && !seen[p.advice] {
			seen[p.advice] = true
			advice = append(advice, p.advice)
		}
		if len(r.problems) > 1 {
			res.Details.Add(fmt.Sprintf("problem %d", i+1), p.status.String()+": "+p.message)
		}
	}
	res.Message = first.message
	if n := len(r.problems) - 1; n == 1 {
		res.Message += " (and 1 more problem)"
	} else if n > 1 {
		res.Message += fmt.Sprintf(" (and %d more problems)", n)
	}
	res.Advice = strings.Join(advice, "\n")
	return res
}
