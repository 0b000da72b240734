package checks

import (
	"fmt"
	"strings"
)

// Step is one thing a check verified on its way to a verdict: one bucket of
// several, one attribute of a queue, one variable of the configuration.
// Steps are kept in the order the check took them, passing ones included,
// so a report can show the whole tree (Vault's diagnose "spot checks").
type Step struct {
	// Name says what the step looked at (a bucket, a variable); it may be
	// empty when the check has a single subject.
	Name    string
	Status  Status
	Message string
	// Advice is how to fix this step; empty when it passed.
	Advice string
	// Evidence holds the facts the step observed, safe to show.
	Evidence Details
}

// Title is the step as one line: "name: message", or the message alone.
func (s Step) Title() string {
	if s.Name == "" {
		return s.Message
	}
	return s.Name + ": " + s.Message
}

// Verdict builds a Result from the steps of one check: the worst step sets
// the status, the message names the first step of that status and counts
// the other problems, and the advice of every problem is kept once, the
// worst first. It is the one place that folds several findings into one
// verdict.
type Verdict struct {
	list    []Step
	details Details
	// skipUnit and skipWhy phrase the count of skipped steps (NotChecked).
	skipUnit, skipWhy string
}

// Add records a step.
func (v *Verdict) Add(s Step) { v.list = append(v.list, s) }

// Pass records a passing step.
func (v *Verdict) Pass(name, format string, args ...any) {
	v.Add(Step{Name: name, Status: Pass, Message: fmt.Sprintf(format, args...)})
}

// Warn records a step that found something to look at.
func (v *Verdict) Warn(name, advice, format string, args ...any) {
	v.Add(Step{Name: name, Status: Warn, Message: fmt.Sprintf(format, args...), Advice: advice})
}

// Fail records a step that found a problem.
func (v *Verdict) Fail(name, advice, format string, args ...any) {
	v.Add(Step{Name: name, Status: Fail, Message: fmt.Sprintf(format, args...), Advice: advice})
}

// Skip records a step that was not checked, saying why (another check
// reports its subject, say). It does not change the status.
func (v *Verdict) Skip(name, format string, args ...any) {
	v.Add(Step{Name: name, Status: Skip, Message: fmt.Sprintf(format, args...)})
}

// NotChecked says how the message counts the skipped steps: unit is what a
// step looks at ("bucket"), why is why such steps were not checked, as in
// "all good (2 buckets not checked: their own checks report them)".
// Without it the count reads "(2 not checked)".
func (v *Verdict) NotChecked(unit, why string) { v.skipUnit, v.skipWhy = unit, why }

// Merge records a finished Result (e.g. a classified SDK error) as a step.
func (v *Verdict) Merge(name string, r Result) {
	v.Add(Step{Name: name, Status: r.Status, Message: r.Message, Advice: r.Advice, Evidence: r.Details})
}

// Detail adds a fact about the whole check (not about one step).
func (v *Verdict) Detail(key string, value any) { v.details.Add(key, value) }

// Status is the worst status recorded so far; Pass when nothing was, or
// only skipped steps.
func (v *Verdict) Status() Status {
	st := Pass
	for _, s := range v.list {
		st = Worse(st, s.Status)
	}
	return st
}

// Stopped reports whether a step failed or errored, which makes later
// steps pointless for checks that go one step after another.
func (v *Verdict) Stopped() bool { return v.Status() >= Fail }

// Len is the number of steps recorded.
func (v *Verdict) Len() int { return len(v.list) }

// Steps returns the steps recorded so far, as a new slice.
func (v *Verdict) Steps() []Step { return append([]Step(nil), v.list...) }

// Details returns the check-wide details recorded so far.
func (v *Verdict) Details() Details { return append(Details(nil), v.details...) }

// Result folds the steps into the check's Result. With no problem, the
// message is passMsg, followed by the count of skipped steps when there are
// any; when every step was skipped the check itself is skipped.
func (v *Verdict) Result(passMsg string) Result {
	res := Result{Status: v.Status(), Details: append(Details(nil), v.details...), Steps: append([]Step(nil), v.list...)}
	if res.Status <= Pass {
		res.Status, res.Message = Pass, passMsg
		var skipped []Step
		for _, s := range v.list {
			if s.Status == Skip {
				skipped = append(skipped, s)
			}
		}
		switch {
		case len(skipped) == 0:
		case len(skipped) < len(v.list):
			res.Message += " (" + v.notChecked(skipped) + ")"
		default:
			res.Status, res.Message = Skip, v.notChecked(skipped)
		}
		return res
	}
	var lead *Step
	problems := 0
	for i := range v.list {
		s := &v.list[i]
		if s.Status <= Pass {
			continue
		}
		problems++
		if lead == nil && s.Status == res.Status {
			lead = s
		}
	}
	res.Message = lead.Title() + MoreProblems(problems-1)
	var advice []string
	seen := map[string]bool{}
	for st := Error; st > Pass; st-- {
		for _, s := range v.list {
			if s.Status == st && s.Advice != "" && !seen[s.Advice] {
				seen[s.Advice] = true
				advice = append(advice, s.Advice)
			}
		}
	}
	res.Advice = strings.Join(advice, "\n")
	return res
}

// notChecked counts the skipped steps: "2 buckets not checked: why", or
// the step itself when it is the only one and no reason was given.
func (v *Verdict) notChecked(skipped []Step) string {
	n := len(skipped)
	if n == 1 && v.skipWhy == "" {
		return skipped[0].Title()
	}
	s := fmt.Sprintf("%d not checked", n)
	if v.skipUnit != "" {
		unit := v.skipUnit
		if n != 1 {
			unit += "s"
		}
		s = fmt.Sprintf("%d %s not checked", n, unit)
	}
	if v.skipWhy != "" {
		s += ": " + v.skipWhy
	}
	return s
}

// MoreProblems is the " (and N more problems)" suffix, empty for n < 1.
func MoreProblems(n int) string {
	switch {
	case n < 1:
		return ""
	case n == 1:
		return " (and 1 more problem)"
	}
	return fmt.Sprintf(" (and %d more problems)", n)
}
