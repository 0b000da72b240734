package checks

import (
	"fmt"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Backend is one component Spacelift depends on (PostgreSQL, object
// storage, the MQTT broker, …), as one package that owns everything the
// tool knows about it: its variables, which of them Spacelift requires,
// the offline format rules, the endpoints a support bundle records, and
// the checks. The composition root lists the backends; every other part
// of the tool (the config loader, config.required/values/compat, the
// bundle, the report's group titles, the JSON Schema, `config init`)
// loops over them, so adding a backend is one package and one line there.
type Backend interface {
	// Group is the ID and title of the backend's checks in every report.
	Group() Group
	// Vars are the variables the backend owns, in documentation order.
	Vars() []config.Var
	// Required lists the variables Spacelift needs for this configuration
	// (config.required reports those that are not set).
	Required(cfg *config.Config) []Requirement
	// Review reads the backend's variables offline and records what is
	// wrong with their format (config.values) or with how they combine
	// with other backends' choices (config.compat).
	Review(cfg *config.Config, r *Review)
	// Endpoints records the network endpoints the configuration points at,
	// from displayable values only (never a credential).
	Endpoints(cfg *config.Config, e *EndpointSet)
	// Register adds the backend's checks to the plan. It must not touch
	// the network: clients are created lazily, when a check first runs.
	Register(p *Plan, cfg *config.Config, opts Options)
}

// Group identifies a backend's checks: a stable ID (the first part of
// every check ID, and the JSON "group") and a title for people.
type Group struct {
	ID    string
	Title string
}

// Requirement is one variable Spacelift needs for the chosen backends.
type Requirement struct {
	Var string
	// Why it is needed, e.g. "OBJECT_STORAGE_TYPE=minio".
	Why string
	// Warn makes a missing value a warning: the sources disagree on
	// whether Spacelift needs it.
	Warn bool
}

// Review collects what the backends find in the configuration offline.
// Steps are named after the variable they are about; config.values and
// config.compat add where each variable was set.
type Review struct {
	// Now is the clock for rules that expire (licence tokens).
	Now time.Time
	// Values are problems with one variable's format.
	Values Verdict
	// Compat are problems with how variables and backends combine; its
	// details say what the configuration chose.
	Compat Verdict
}

// Implied warns when a type variable is unset, so Spacelift falls back to
// a default the operator may not have meant.
func (r *Review) Implied(cfg *config.Config, name, advice string) {
	if v, implied := cfg.TypeOf(name); implied {
		r.Compat.Warn(name, advice, "not set, so Spacelift falls back to the legacy AWS default %s", v)
	}
}

// Build creates the plan of one run: every backend registers its checks,
// in order, each stamped with its backend's group.
func Build(backends []Backend, cfg *config.Config, opts Options) *Plan {
	p := &Plan{backends: backends, opts: opts}
	for _, b := range backends {
		p.group = b.Group()
		b.Register(p, cfg, opts)
	}
	p.group = Group{}
	return p
}

// Union is the backends of every list, in order, each once (by group ID):
// a backend may serve several targets.
func Union(lists ...[]Backend) []Backend {
	seen := map[string]bool{}
	var out []Backend
	for _, l := range lists {
		for _, b := range l {
			if id := b.Group().ID; !seen[id] {
				seen[id] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// Catalog is every variable the backends own, for the config loader.
func Catalog(backends []Backend) (*config.Catalog, error) {
	var vars []config.Var
	for _, b := range backends {
		vars = append(vars, b.Vars()...)
	}
	return config.NewCatalog(vars)
}

// MustCatalog is Catalog for a composition root, where a clash between two
// backends' variables is a programming error.
func MustCatalog(backends []Backend) *config.Catalog {
	c, err := Catalog(backends)
	if err != nil {
		panic(fmt.Sprintf("backend variables: %v", err))
	}
	return c
}

// Requirements returns every backend's requirements, the first of each
// variable only (several backends may need AWS_REGION).
func Requirements(backends []Backend, cfg *config.Config) []Requirement {
	seen := map[string]bool{}
	var out []Requirement
	for _, b := range backends {
		for _, r := range b.Required(cfg) {
			if !seen[r.Var] {
				seen[r.Var] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// ReviewAll runs every backend's Review.
func ReviewAll(backends []Backend, cfg *config.Config, now time.Time) *Review {
	r := &Review{Now: now}
	for _, b := range backends {
		b.Review(cfg, r)
	}
	return r
}

// EndpointsOf collects every backend's endpoints, merged by host, port and
// handshake.
func EndpointsOf(backends []Backend, cfg *config.Config) ([]Endpoint, []EndpointGap) {
	var e EndpointSet
	for _, b := range backends {
		b.Endpoints(cfg, &e)
	}
	return e.merged(), e.gaps
}

// GroupTitle returns the title of group id among the backends, or id.
func GroupTitle(backends []Backend, id string) string {
	for _, b := range backends {
		if g := b.Group(); g.ID == id {
			return g.Title
		}
	}
	return id
}
