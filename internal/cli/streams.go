// Package cli implements the spacectl-preflight commands. Main never calls
// os.Exit: it returns the exit code, so tests drive it like a function.
package cli

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Streams holds every piece of process-global state the commands touch
// (stdio, environment, terminal facts, clock), so tests can inject them.
type Streams struct {
	In        io.Reader
	Out, Err  io.Writer
	Env       map[string]string
	StdoutTTY bool
	StderrTTY bool
	// Width is the terminal width for tables (0 when unknown).
	Width int
	Now   func() time.Time
	// Backends are the components the server target's checks cover; nil
	// means those of this build (Backends). Tests add synthetic ones.
	Backends []checks.Backend
	// WorkerBackends are the worker target's; nil means WorkerBackends().
	WorkerBackends []checks.Backend
	// logs routes what libraries log on their own to the run's logger;
	// Main sets it for the length of one invocation.
	logs *logRouter
}

// backendsFor returns the backends a target runs with.
func (s *Streams) backendsFor(target string) []checks.Backend {
	switch {
	case target == config.TargetWorker && s.WorkerBackends != nil:
		return s.WorkerBackends
	case target == config.TargetWorker:
		return WorkerBackends()
	case s.Backends != nil:
		return s.Backends
	}
	return Backends()
}

// allBackends is every backend of either target, once each.
func (s *Streams) allBackends() []checks.Backend {
	return checks.Union(s.backendsFor(config.TargetServer), s.backendsFor(config.TargetWorker))
}

// catalog returns every variable the backends of either target accept:
// one input can feed both.
func (s *Streams) catalog() *config.Catalog { return checks.MustCatalog(s.allBackends()) }

// System returns Streams bound to the real process.
func System() *Streams {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	s := &Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Env: env, Now: time.Now,
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())), StderrTTY: term.IsTerminal(int(os.Stderr.Fd()))}
	if s.StdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.Width = w
		}
	}
	if c, err := strconv.Atoi(env["COLUMNS"]); err == nil && c > 0 {
		s.Width = c
	}
	return s
}

// colorFor decides, once per writer, whether to colour: only on a terminal,
// never with NO_COLOR, always with --color=always.
func (s *Streams) colorFor(tty bool, mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if _, ok := s.Env["NO_COLOR"]; ok {
		return false
	}
	if s.Env["TERM"] == "dumb" {
		return false
	}
	return tty
}
