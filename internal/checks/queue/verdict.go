package queue

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// verdict folds the findings about one queue into a Result: the worst
// status wins, the message leads with the worst finding, every finding is
// listed in the details and every piece of advice is kept, in order.
type verdict struct {
	findings []finding
	details  checks.Details
}

type finding struct {
	status checks.Status
	msg    string
	advice string
}

func (v *verdict) fail(advice, format string, args ...any) {
	v.findings = append(v.findings, finding{checks.Fail, fmt.Sprintf(format, args...), advice})
}

func (v *verdict) warn(advice, format string, args ...any) {
	v.findings = append(v.findings, finding{checks.Warn, fmt.Sprintf(format, args...), advice})
}

func (v *verdict) add(key string, value any) { v.details.Add(key, value) }

func (v *verdict) result(okMsg string) checks.Result {
	if len(v.findings) == 0 {
		return checks.Result{Status: checks.Pass, Message: okMsg, Details: v.details}
	}
	res := checks.Result{Status: checks.Pass}
	lead := -1
	var advice []string
	for i, f := range v.findings {
		res.Status = checks.Worse(res.Status, f.status)
		if lead < 0 || f.status > v.findings[lead].status {
			lead = i
		}
		res.Details.Add(fmt.Sprintf("problem %d", i+1), f.status.String()+": "+f.msg)
		if f.advice != "" && !slices.Contains(advice, f.advice) {
			advice = append(advice, f.advice)
		}
	}
	res.Details = append(res.Details, v.details...)
	res.Message = v.findings[lead].msg
	if n := len(v.findings) - 1; n == 1 {
		res.Message += " (and 1 more problem)"
	} else if n > 1 {
		res.Message += fmt.Sprintf(" (and %d more problems)", n)
	}
	res.Advice = strings.Join(advice, "\n")
	return res
}
