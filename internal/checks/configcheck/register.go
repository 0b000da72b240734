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

// findings collects one step per violation, named by its variable. It
// keeps the call shape the value rules were written against; Verdict does
// the folding.
type findings struct{ steps []checks.Step }

func (fs *findings) fail(name, msg, advice string) {
	fs.steps = append(fs.steps, checks.Step{Name: name, Status: checks.Fail, Message: msg, Advice: advice})
}

func (fs *findings) warn(name, msg, advice string) {
	fs.steps = append(fs.steps, checks.Step{Name: name, Status: checks.Warn, Message: msg, Advice: advice})
}

// result folds the findings into one Result, each step showing where its
// variable was set (a file:line:col, an environment variable) so the
// operator knows which input to edit.
func (fs *findings) result(cfg *config.Config, okMsg string) checks.Result {
	var v checks.Verdict
	for _, st := range fs.steps {
		if src, ok := cfg.Source(st.Name); ok && src.Kind != config.FromDefault {
			st.Evidence = checks.Details{checks.KV(setAt, src)}
		}
		v.Add(st)
	}
	return v.Result(okMsg)
}

// setAt is the evidence key of a step that says where its variable was set.
const setAt = "set at"
