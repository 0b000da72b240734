package config

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Catalog is every variable the tool accepts, in documentation order. The
// backends declare them; the composition root builds the catalog once and
// hands it to the loader, so config knows no backend by name.
type Catalog struct {
	vars  []Var
	index map[string]int
	// secretKeys indexes the Secret-only keys (Var.SecretKeys).
	secretKeys map[string]int
}

// Compiled on first use: every command pays for package init, few build a
// catalog more than once.
var (
	varNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`) })
	varPathRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$`) })
)

// NewCatalog checks the declarations (names, YAML keys, enums) and indexes
// them. Two variables may not share a name or a YAML key, and no YAML key
// may be a section of another.
func NewCatalog(vars []Var) (*Catalog, error) {
	c := &Catalog{vars: append([]Var(nil), vars...), index: make(map[string]int, len(vars)), secretKeys: map[string]int{}}
	paths := map[string]string{}
	for i, v := range c.vars {
		switch {
		case !varNameRe().MatchString(v.Name):
			return nil, fmt.Errorf("variable %q: the name must be UPPER_SNAKE_CASE", v.Name)
		case !varPathRe().MatchString(v.Path) || v.Path == "version" || strings.HasPrefix(v.Path, "preflight."):
			return nil, fmt.Errorf("variable %s: YAML key %q is not a dotted lowerCamel path outside version and preflight", v.Name, v.Path)
		case v.Kind == KindEnum && (len(v.Enum) == 0 || v.Default == ""):
			return nil, fmt.Errorf("variable %s: an enum needs values and Spacelift's default", v.Name)
		case v.Origin == "" || v.Doc == "":
			return nil, fmt.Errorf("variable %s needs an origin and a doc line", v.Name)
		}
		for _, n := range append([]string{v.Name}, v.Aliases...) {
			if _, dup := c.index[n]; dup {
				return nil, fmt.Errorf("variable %s is declared twice", n)
			}
			c.index[n] = i
		}
		for _, k := range v.SecretKeys {
			if _, dup := c.secretKeys[k]; dup {
				return nil, fmt.Errorf("Secret key %s of %s is declared twice", k, v.Name)
			}
			c.secretKeys[k] = i
		}
		keys := []string{v.Path}
		if v.FileKey {
			keys = append(keys, v.Path+"File")
		}
		for _, k := range keys {
			if other, dup := paths[k]; dup {
				return nil, fmt.Errorf("YAML key %s is used by %s and %s", k, other, v.Name)
			}
			paths[k] = v.Name
		}
	}
	for p, name := range paths {
		for q, other := range paths {
			if strings.HasPrefix(q, p+".") {
				return nil, fmt.Errorf("YAML key %s (%s) is a section of %s (%s)", p, name, q, other)
			}
		}
	}
	return c, nil
}

// Vars returns the variables in documentation order, as a new slice.
func (c *Catalog) Vars() []Var { return append([]Var(nil), c.vars...) }

// Lookup finds a variable by its environment name or one of its aliases.
func (c *Catalog) Lookup(name string) (Var, bool) {
	i, ok := c.index[name]
	if !ok {
		return Var{}, false
	}
	return c.vars[i], true
}

// LookupSecretKey finds a variable by a key of a Kubernetes Secret: its
// name, an alias, or one of its Secret-only keys.
func (c *Catalog) LookupSecretKey(key string) (Var, bool) {
	if v, ok := c.Lookup(key); ok {
		return v, true
	}
	i, ok := c.secretKeys[key]
	if !ok {
		return Var{}, false
	}
	return c.vars[i], true
}

// Names returns the environment names in documentation order.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.vars))
	for i, v := range c.vars {
		out[i] = v.Name
	}
	return out
}
