package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
	suggestpkg "github.com/spacelift-io/spacectl-preflight/internal/suggest"
)

// checkValue validates a value against its variable's kind. It returns the
// problem and a hint, or empty strings. It never quotes a secret value.
func checkValue(v Var, text string) (problem, hint string) {
	switch v.Kind {
	case KindEnum:
		if text == "" {
			return "", ""
		}
		for _, e := range v.Enum {
			if e == text || (v.FoldCase && strings.EqualFold(e, text)) {
				return "", ""
			}
		}
		p := fmt.Sprintf("unknown value %q (want one of: %s)", text, strings.Join(v.Enum, ", "))
		if s := suggest(text, v.Enum); s != "" {
			return p, fmt.Sprintf("did you mean %q?", s)
		}
		return p, fmt.Sprintf("Spacelift accepts exactly %s", strings.Join(v.Enum, ", "))
	case KindBool:
		if _, ok := parseBool(text); !ok {
			return fmt.Sprintf("%q is not a boolean", text), "use true or false"
		}
	case KindInt:
		if text == "" {
			return "", ""
		}
		if _, err := strconv.Atoi(strings.TrimSpace(text)); err != nil {
			return fmt.Sprintf("%q is not a whole number", text), "use digits only, e.g. 10"
		}
	}
	return "", ""
}

// setChecked validates and stores a value coming from an env-style source
// (env file, Secret, process environment). Unknown names are ignored,
// with a warning when they look like a typo of a known one. A secret's
// value is never quoted.
func (c *Config) setChecked(name, text string, src Source, ds *Diagnostics) {
	c.setFound(c.cat.Lookup, name, text, src, ds)
}

// setFromSecret is setChecked for a key of a Kubernetes Secret, which may
// also be one of a variable's Secret-only keys.
func (c *Config) setFromSecret(key, text string, src Source, ds *Diagnostics) {
	c.setFound(c.cat.LookupSecretKey, key, text, src, ds)
}

// setFound stores the value of the variable lookup finds under name, or
// warns about a likely typo.
func (c *Config) setFound(lookup func(string) (Var, bool), name, text string, src Source, ds *Diagnostics) {
	v, ok := lookup(name)
	if !ok {
		c.cat.warnTypo(name, src, ds)
		return
	}
	c.setVar(v, name, text, src, ds)
}

// setVar validates and stores the value of v, given under name.
func (c *Config) setVar(v Var, name, text string, src Source, ds *Diagnostics) {
	if p, h := shownProblem(v, text); p != "" {
		ds.errorf(src, name, h, "%s", p)
		return
	}
	c.Set(v, text, src)
}

// shownProblem is checkValue's problem as it may be shown: a secret's
// problem never describes (or quotes) the value.
func shownProblem(v Var, text string) (problem, hint string) {
	p, h := checkValue(v, text)
	if p != "" && v.Secret {
		p = "invalid value"
	}
	return p, h
}

// warnTypo warns that an unknown variable is ignored when it is a likely
// typo of a known one.
func (c *Catalog) warnTypo(name string, src Source, ds *Diagnostics) {
	known, caseOnly := c.typoOf(name)
	if known == "" {
		return
	}
	summary := "unknown variable, ignored"
	if caseOnly {
		summary += " (names are case-sensitive)"
	}
	ds.warnf(src, safetext.EscapeLine(name), fmt.Sprintf("did you mean %s?", known), "%s", summary)
}

// typoOf returns the known variable an unknown name was probably meant to
// be: the same name in another letter case, or a known name within a small
// edit distance, compared case-insensitively, where swapping two adjacent
// characters is one edit (DATABSE_URL, AWS_REGOIN, database_url). The
// distance allowed is small on purpose: env files, Secrets and above all a
// pod's environment (--from-env) hold many variables that are not ours
// (PATH, HOSTNAME, KUBERNETES_SERVICE_HOST, a dd-agent Service's
// DD_AGENT_PORT, two edits from DD_AGENT_HOST), and a warning about
// them would be noise.
func (c *Catalog) typoOf(name string) (known string, caseOnly bool) {
	upper := strings.ToUpper(name)
	if _, ok := c.Lookup(upper); ok {
		return upper, true
	}
	var maxDist int
	switch {
	case len(name) >= 16:
		maxDist = 2
	case len(name) >= 6:
		maxDist = 1
	default:
		return "", false
	}
	return suggestpkg.Closest(upper, c.Names(), maxDist), false
}
