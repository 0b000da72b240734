package config

import (
	"fmt"
	"io"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"

	suggestpkg "github.com/spacelift-io/spacectl-preflight/internal/suggest"
)

// Severity of a diagnostic.
type Severity int

// Severities.
const (
	SevError Severity = iota
	SevWarning
)

// Diagnostic is one configuration problem, located, with a hint. It never
// contains a secret value.
type Diagnostic struct {
	Severity Severity
	Pos      Source
	Key      string // YAML key or variable name
	Summary  string // lower-case, no trailing period
	Hint     string
}

// Diagnostics collects every problem found, so they are reported at once.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// Error implements error with the first problem and a count.
func (ds Diagnostics) Error() string {
	var errs []Diagnostic
	for _, d := range ds {
		if d.Severity == SevError {
			errs = append(errs, d)
		}
	}
	if len(errs) == 0 {
		return "no configuration errors"
	}
	msg := errs[0].line()
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return msg
}

// line renders the diagnostic on one line. The position, key and summary
// may carry a file name, a key or a value from the input, so control
// characters (a terminal escape sequence in a YAML key) are escaped.
func (d Diagnostic) line() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" && p != string(FromDefault) {
		b.WriteString(safetext.EscapeLine(p))
		b.WriteString(": ")
	}
	if d.Key != "" && !(d.Pos.Kind == FromEnv && d.Pos.Var == d.Key) {
		b.WriteString(safetext.EscapeLine(d.Key))
		b.WriteString(": ")
	}
	b.WriteString(safetext.EscapeLine(d.Summary))
	return b.String()
}

// Write renders the diagnostics compiler-style, so editors and CI systems
// can annotate the line.
func (ds Diagnostics) Write(w io.Writer) {
	for _, d := range ds {
		sev := "error"
		if d.Severity == SevWarning {
			sev = "warning"
		}
		fmt.Fprintf(w, "%s: %s\n", sev, d.line())
		if d.Hint != "" {
			fmt.Fprintf(w, "  hint: %s\n", safetext.EscapeLine(d.Hint))
		}
	}
}

func (ds *Diagnostics) errorf(pos Source, key, hint, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: SevError, Pos: pos, Key: key, Summary: fmt.Sprintf(format, args...), Hint: hint})
}

func (ds *Diagnostics) warnf(pos Source, key, hint, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: SevWarning, Pos: pos, Key: key, Summary: fmt.Sprintf(format, args...), Hint: hint})
}

// suggest returns the candidate closest to s when it is close enough to be
// a likely typo.
func suggest(s string, candidates []string) string {
	limit := 2
	if len(s) > 12 {
		limit = 3
	}
	return suggestpkg.Closest(s, candidates, limit)
}
