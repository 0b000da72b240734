// Package configcheck holds the offline checks of group "config": they read
// only the configuration, never the network, and run first.
package configcheck

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "config"

// Register adds the config.* checks.
func Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	p.Add(
		checks.Check{ID: "config.required", Group: Group, Title: "Every variable Spacelift requires is set",
			Run: func(context.Context) checks.Result { return Required(cfg) }},
		checks.Check{ID: "config.values", Group: Group, Title: "Values have the format Spacelift expects",
			Run: func(context.Context) checks.Result { return Values(cfg) }},
		checks.Check{ID: "config.compat", Group: Group, Title: "Chosen backends are compatible with each other",
			Run: func(context.Context) checks.Result { return Compat(cfg) }},
	)
}

// finding is one violation; the details list them by variable name.
type finding struct {
	name   string
	status checks.Status
	msg    string
	advice string
}

type findings []finding

func (fs *findings) fail(name, msg, advice string) {
	*fs = append(*fs, finding{name, checks.Fail, msg, advice})
}

func (fs *findings) warn(name, msg, advice string) {
	*fs = append(*fs, finding{name, checks.Warn, msg, advice})
}

// result folds findings into one Result: the worst status, a message
// naming the first (most severe) problem and counting the rest, the advice
// for that problem, and every violation in the details, keyed by variable
// and where it was set, each with its own fix.
func (fs findings) result(cfg *config.Config, okMsg string) checks.Result {
	if len(fs) == 0 {
		return checks.Passf("%s", okMsg)
	}
	res := checks.Result{Status: checks.Pass}
	first := -1
	for i, f := range fs {
		res.Status = checks.Worse(res.Status, f.status)
		if first < 0 || (f.status == checks.Fail && fs[first].status != checks.Fail) {
			first = i
		}
		key := f.name
		if src, ok := cfg.Source(f.name); ok && src.Kind != config.FromDefault {
			key += " (" + src.String() + ")"
		}
		val := f.status.String() + ": " + f.msg
		if f.advice != "" {
			val += " → " + f.advice
		}
		res.Details.Add(key, val)
	}
	res.Message = fs[first].name + ": " + fs[first].msg
	res.Advice = fs[first].advice
	if n := len(fs) - 1; n > 0 {
		res.Message += plural(n, " (and %d more problem)", " (and %d more problems)")
		res.Advice = "each problem is listed below with its fix"
	}
	return res
}

func plural(n int, one, many string) string {
	if n == 1 {
		return sprintf(one, n)
	}
	return sprintf(many, n)
}
