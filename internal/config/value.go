package config

import (
	"fmt"
	"strconv"
	"strings"
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
// (env file, Secret, process environment). Unknown names are ignored unless
// they look like a typo of a known one.
func (c *Config) setChecked(name, text string, src Source, ds *Diagnostics) {
	v, ok := c.cat.Lookup(name)
	if !ok {
		if c.cat.looksLikeOurs(name) {
			if s := suggest(name, c.cat.Names()); s != "" {
				ds.warnf(src, name, fmt.Sprintf("did you mean %s?", s), "unknown variable, ignored")
			}
		}
		return
	}
	if p, h := checkValue(v, text); p != "" {
		ds.errorf(src, name, h, "%s", p)
		return
	}
	c.Set(v, text, src)
}

// looksLikeOurs limits typo warnings to names in the families of known
// variables (their first word: OBJECT_, DATABASE_, MQTT_, …), so a pod's
// unrelated variables (PATH, HOSTNAME, …) are never reported.
func (c *Catalog) looksLikeOurs(name string) bool {
	for _, v := range c.vars {
		if w, _, ok := strings.Cut(v.Name, "_"); ok && strings.HasPrefix(name, w+"_") {
			return true
		}
	}
	return false
}
