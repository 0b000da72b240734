// Package configcheck holds the offline checks of group "config": they read
// only the configuration, never the network, and run first. They know no
// backend by name: each backend says what it requires and what is wrong
// with its values (checks.Backend), and these checks report it with where
// each variable was set.
package configcheck

import (
	"context"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "config"

// Register implements checks.Backend: config.required, config.values and
// config.compat, over every backend of the plan.
func (Backend) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	bs := p.Backends()
	p.Add(
		checks.Check{ID: "config.required", Title: "Every variable Spacelift requires is set",
			Run: func(context.Context) checks.Result { return Required(bs, cfg) }},
		checks.Check{ID: "config.values", Title: "Values have the format Spacelift expects",
			Run: func(context.Context) checks.Result { return Values(bs, cfg, time.Now()) }},
		checks.Check{ID: "config.compat", Title: "Chosen backends are compatible with each other",
			Run: func(context.Context) checks.Result { return Compat(bs, cfg, time.Now()) }},
		checks.Check{ID: IDServices, Title: "Each service receives the variables it reads",
			Disabled: servicesDisabled(cfg), Run: func(context.Context) checks.Result { return Services(bs, cfg) }},
	)
}

// Required fails for every variable that Spacelift needs for the chosen
// backends and that is not set.
func Required(bs []checks.Backend, cfg *config.Config) checks.Result {
	var v checks.Verdict
	for _, r := range checks.Requirements(bs, cfg) {
		if cfg.Has(r.Var) {
			continue
		}
		if r.Warn {
			v.Warn(r.Var, setAdvice(cfg, r.Var), "not set (%s)", r.Why)
		} else {
			v.Fail(r.Var, setAdvice(cfg, r.Var), "not set (%s)", r.Why)
		}
	}
	return v.Result("every required variable is set for the chosen backends")
}

// Values checks the format of every set variable.
func Values(bs []checks.Backend, cfg *config.Config, now time.Time) checks.Result {
	r := checks.ReviewAll(bs, cfg, now)
	return located(cfg, &r.Values).Result("every set variable has the expected format")
}

// Compat checks rules that span several variables and backends, and says
// what the configuration chose.
func Compat(bs []checks.Backend, cfg *config.Config, now time.Time) checks.Result {
	r := checks.ReviewAll(bs, cfg, now)
	return located(cfg, &r.Compat).Result("the chosen backends are compatible")
}

// located copies the steps, each with where its variable was set, so the
// operator knows which input to fix.
func located(cfg *config.Config, in *checks.Verdict) *checks.Verdict {
	out := &checks.Verdict{}
	for _, s := range in.Steps() {
		if src, ok := cfg.Source(s.Name); ok && src.Kind != config.FromDefault {
			s.Evidence = append(checks.Details{checks.KV("set at", src.String())}, s.Evidence...)
		}
		out.Add(s)
	}
	for _, d := range in.Details() {
		out.Detail(d.Key, d.Value)
	}
	return out
}

// setAdvice names both spellings, so the operator can fix whichever input
// they use.
func setAdvice(cfg *config.Config, name string) string {
	if v, ok := cfg.Catalog().Lookup(name); ok {
		return "set it (YAML key " + v.Path + ")"
	}
	return "set it"
}
