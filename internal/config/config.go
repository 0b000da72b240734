// Package config loads Spacelift's configuration from a YAML file, dotenv
// files, Kubernetes Secret manifests and the process environment into one
// typed view, and reports every mistake at once with its position.
package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Value is one variable's effective value and where it came from.
type Value struct {
	text   string
	secret secret.Secret
	isSec  bool
	Source Source
}

// Display is the value as it may be shown: secrets redacted, URLs that
// carry credentials masked, also in variables that are not secret (a
// password pasted into an endpoint URL is still a password).
func (v Value) Display() string {
	if !v.isSec {
		if secret.HasCredentials(v.text) {
			return secret.RedactURL(v.text)
		}
		return v.text
	}
	if strings.Contains(v.secret.Reveal(), "://") {
		return secret.RedactURL(v.secret.Reveal())
	}
	return secret.Redacted
}

// Config is the merged configuration: Spacelift's variables plus this
// tool's own settings.
type Config struct {
	cat  *Catalog
	vars map[string]Value
	// Settings from the YAML `preflight:` section (ResolveSettings layers
	// SPACECTL_PREFLIGHT_* variables and flags over them).
	Preflight Preflight
	// Files lists every input file read, in order.
	Files []string
	// Helm is the Helm values file --helm-values named, or nil.
	Helm *HelmValues

	// inputs record what each input set (Inputs); serviceOf maps a
	// --service file to its service.
	inputs    []Input
	inputIdx  map[string]int
	serviceOf map[string]string
}

// Preflight holds the tool's own settings as written in the YAML file's
// `preflight:` section.
type Preflight struct {
	// SettingValues holds the values of the keys that were written.
	SettingValues
	// Pos records, by Setting.Key, where each setting was written; a key
	// that is absent was not written (its value is the zero value).
	Pos map[string]Source
	// CheckTimeouts overrides the per-check deadline by check ID.
	CheckTimeouts map[string]time.Duration
	// CheckIDPos records where each check ID was written, so the CLI can
	// locate an unknown ID (the config package does not know the registry).
	CheckIDPos map[string]Source
}

// New returns an empty configuration that accepts the catalog's variables.
func New(cat *Catalog) *Config {
	return &Config{cat: cat, vars: map[string]Value{}}
}

// Catalog returns the variables this configuration accepts.
func (c *Config) Catalog() *Catalog { return c.cat }

// Set stores a value; later calls win, which is how precedence works.
func (c *Config) Set(v Var, text string, src Source) {
	val := Value{Source: src}
	if v.Secret {
		val.secret, val.isSec = secret.New(text), true
	} else {
		val.text = text
	}
	c.vars[v.Name] = val
	c.note(v.Name, text, src)
}

// Has reports whether a variable is set to a non-empty value.
func (c *Config) Has(name string) bool {
	v, ok := c.vars[name]
	if !ok {
		return false
	}
	if v.isSec {
		return !v.secret.IsZero()
	}
	return v.text != ""
}

// Get returns a non-secret variable's value ("" when unset). It returns ""
// for secret variables: use Secret for those.
func (c *Config) Get(name string) string { return c.vars[name].text }

// Secret returns a secret variable's value, or a non-secret one wrapped.
func (c *Config) Secret(name string) secret.Secret {
	v := c.vars[name]
	if v.isSec {
		return v.secret
	}
	return secret.New(v.text)
}

// Bool returns a boolean variable ("true"/"1"/"yes" are true).
func (c *Config) Bool(name string) bool {
	b, _ := parseBool(c.Get(name))
	return b
}

// Int returns an integer variable, or def when unset or invalid.
func (c *Config) Int(name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(c.Get(name)))
	if err != nil {
		return def
	}
	return n
}

// Source returns where a variable came from, and whether it is set.
func (c *Config) Source(name string) (Source, bool) {
	v, ok := c.vars[name]
	return v.Source, ok
}

// Lookup returns the raw Value.
func (c *Config) Lookup(name string) (Value, bool) {
	v, ok := c.vars[name]
	return v, ok
}

// Names returns the names of all set variables, sorted.
func (c *Config) Names() []string {
	out := make([]string, 0, len(c.vars))
	for n := range c.vars {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SecretValues returns every configured secret, for the output scrubber.
func (c *Config) SecretValues() []secret.Secret {
	var out []secret.Secret
	for _, n := range c.Names() {
		if v := c.vars[n]; v.isSec && !v.secret.IsZero() {
			out = append(out, v.secret)
		}
	}
	return out
}

// TypeOf returns a type variable's effective value and whether Spacelift
// would imply it because the variable is unset.
func (c *Config) TypeOf(name string) (value string, implied bool) {
	if c.Has(name) {
		return c.Get(name), false
	}
	v, _ := c.cat.Lookup(name)
	return v.Default, true
}

// Display returns a set variable's displayable form (secrets redacted, URL
// passwords masked), trimmed, and whether it is set.
func (c *Config) Display(name string) (string, bool) {
	v, ok := c.vars[name]
	if !ok || !c.Has(name) {
		return "", false
	}
	return strings.TrimSpace(v.Display()), true
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off", "":
		return false, true
	}
	return false, false
}

// FromMap builds a configuration from variable names and values, all
// attributed to src, as the loader would. It rejects unknown names.
func FromMap(cat *Catalog, vars map[string]string, src Source) (*Config, error) {
	c := New(cat)
	for name, value := range vars {
		v, ok := cat.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("%s is not a known variable", name)
		}
		s := src
		if s.Kind == FromEnv {
			s.Var = name
		}
		c.Set(v, value, s)
	}
	return c, nil
}
