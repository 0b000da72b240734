package checks

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Check is one verifiable statement about the infrastructure. Its ID is a
// stable contract: a CLI argument, a JSON key and a JUnit test name.
type Check struct {
	// ID is lowercase and dotted, e.g. "postgres.version".
	ID string
	// Group is the component the check belongs to, e.g. "postgres"; the
	// plan sets it (and GroupTitle) from the backend that registers it.
	Group      string
	GroupTitle string
	// Title is a short sentence-case description.
	Title string
	// Doc names the page under docs/checks/ (without .md); it defaults to ID.
	// Families of checks (storage.bucket.*) share one page.
	Doc string
	// Needs lists IDs that must pass (or warn) before this check runs.
	Needs []string
	// Timeout overrides the run's default per-check deadline when non-zero.
	Timeout time.Duration
	// Disabled, when non-empty, says why the configuration does not enable
	// this check; the check is reported as skipped with this reason.
	Disabled string
	// Run performs the check. It must honour ctx and return promptly when it
	// is cancelled; cleanup of anything it wrote must use its own short
	// deadline so it survives the cancellation.
	Run func(ctx context.Context) Result
}

// DocPage returns the docs/checks page name.
func (c Check) DocPage() string {
	if c.Doc != "" {
		return c.Doc
	}
	return c.ID
}

// DocURL is where the check's page is published.
func (c Check) DocURL() string { return DocBaseURL + c.DocPage() + ".md" }

// DocBaseURL is the published location of docs/checks/.
const DocBaseURL = "https://github.com/spacelift-io/spacectl-preflight/blob/main/docs/checks/"

var idRe = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$`)

// ValidID reports whether id has the stable form "group.name[.more]".
func ValidID(id string) bool { return idRe.MatchString(id) }

// Stage says whether Spacelift is already installed: some components (the
// built-in MQTT broker, the server's /health) only exist afterwards.
type Stage string

// Stages.
const (
	PreInstall  Stage = "pre-install"
	PostInstall Stage = "post-install"
)

// Options are the run-wide settings every backend sees when it builds its
// checks.
type Options struct {
	// ReadOnly forbids checks from writing: no probe objects, messages or DDL.
	ReadOnly bool
	Stage    Stage
	Logger   *slog.Logger

	// ProbeAllBuckets lets the storage checks write probe objects in the
	// states and modules buckets too. They spare them by default: those
	// hold Terraform state and modules, which Spacelift must never lose.
	// ReadOnly still wins.
	ProbeAllBuckets bool
}

// Plan collects the checks of one run, in registry order, the cleanup
// functions of the clients the backends share between their checks, and
// the values shared across backends for the run (one AWS configuration).
type Plan struct {
	backends []Backend
	opts     Options
	group    Group
	checks   []Check
	closers  []func(context.Context)

	sharedMu sync.Mutex
	shared   map[any]any
}

// Add appends checks in registry order, stamped with the group of the
// backend registering them.
func (p *Plan) Add(cs ...Check) {
	for _, c := range cs {
		if p.group.ID != "" {
			if c.Group == "" {
				c.Group = p.group.ID
			}
			if c.GroupTitle == "" {
				c.GroupTitle = p.group.Title
			}
		}
		p.checks = append(p.checks, c)
	}
}

// Options returns the run-wide options the plan was built with, for a
// value shared between backends (the AWS configuration logs through
// Options.Logger).
func (p *Plan) Options() Options { return p.opts }

// Backends returns the backends the plan was built from, in order
// (config.required and config.values loop over them).
func (p *Plan) Backends() []Backend { return p.backends }

// Shared returns the run's value for key, creating it with make on first
// use, so backends share one client or configuration per run without the
// composition root wiring it (e.g. the AWS configuration S3, KMS, SQS and
// IoT Core use). make runs without the lock held, so it may itself ask for
// another shared value; if two callers race, the first stored value wins.
// make must therefore be cheap and touch no network: clients are created
// lazily by the values it returns.
func Shared[T any](p *Plan, key any, make func() T) T {
	p.sharedMu.Lock()
	v, ok := p.shared[key]
	p.sharedMu.Unlock()
	if ok {
		return v.(T)
	}
	created := make()
	p.sharedMu.Lock()
	defer p.sharedMu.Unlock()
	if v, ok := p.shared[key]; ok {
		return v.(T)
	}
	if p.shared == nil {
		p.shared = map[any]any{}
	}
	p.shared[key] = created
	return created
}

// OnClose registers a function that releases a backend's shared client at
// the end of the run.
func (p *Plan) OnClose(f func(context.Context)) { p.closers = append(p.closers, f) }

// Checks returns the checks in registry order.
func (p *Plan) Checks() []Check { return append([]Check(nil), p.checks...) }

// Close releases every shared client, in reverse order of registration.
func (p *Plan) Close(ctx context.Context) {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i](ctx)
	}
}

// Validate reports registry mistakes: bad or duplicate IDs, unknown needs,
// missing Run functions. It is meant for tests and start-up.
func (p *Plan) Validate() error {
	seen := map[string]bool{}
	for _, c := range p.checks {
		switch {
		case !ValidID(c.ID):
			return fmt.Errorf("check ID %q is not lowercase dotted", c.ID)
		case seen[c.ID]:
			return fmt.Errorf("check ID %q registered twice", c.ID)
		case c.Run == nil:
			return fmt.Errorf("check %q has no Run function", c.ID)
		case c.Group == "" || c.Title == "":
			return fmt.Errorf("check %q needs a group and a title", c.ID)
		case !strings.HasPrefix(c.ID, c.Group+"."):
			return fmt.Errorf("check %q is not in its group %q", c.ID, c.Group)
		}
		seen[c.ID] = true
	}
	for _, c := range p.checks {
		for _, n := range c.Needs {
			if !seen[n] {
				return fmt.Errorf("check %q needs unknown check %q", c.ID, n)
			}
		}
	}
	return nil
}
