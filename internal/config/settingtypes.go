package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// settingType is what a Setting needs from its type, whatever Go type its
// value has.
type settingType interface {
	addFlag(fs *pflag.FlagSet, s Setting)
	fromFlag(fs *pflag.FlagSet, s Setting, dst *SettingValues) error
	fromEnv(raw string, dst *SettingValues) error
	fromYAML(n *yaml.Node, dst *SettingValues) []yamlProblem
	setDefault(dst *SettingValues)
	copy(dst, src *SettingValues)
	check(s Setting, v SettingValues) error
	format(v *SettingValues) string
	yamlDefault() string
	typeName() string
	schema(s Setting) map[string]any
	choices() []string
}

// yamlProblem is a bad value in the YAML file; the loader locates it at n.
type yamlProblem struct {
	n             *yaml.Node
	summary, hint string
}

// typedSetting binds a kind of value to a setting's default and its field of
// SettingValues.
type typedSetting[T any] struct {
	kind  valueKind[T]
	def   T
	field func(*SettingValues) *T
}

func settingField[T any](k valueKind[T], def T, f func(*SettingValues) *T) settingType {
	return typedSetting[T]{kind: k, def: def, field: f}
}

func (t typedSetting[T]) addFlag(fs *pflag.FlagSet, s Setting) {
	t.kind.addFlag(fs, s.Flag, s.Short, t.def, s.Doc)
}

func (t typedSetting[T]) fromFlag(fs *pflag.FlagSet, s Setting, dst *SettingValues) error {
	v, err := t.kind.getFlag(fs, s.Flag)
	if err != nil {
		return err
	}
	*t.field(dst) = v
	return nil
}

func (t typedSetting[T]) fromEnv(raw string, dst *SettingValues) error {
	v, err := t.kind.env(raw)
	if err != nil {
		return err
	}
	*t.field(dst) = v
	return nil
}

func (t typedSetting[T]) fromYAML(n *yaml.Node, dst *SettingValues) []yamlProblem {
	v, problems := t.kind.yaml(n)
	if len(problems) == 0 {
		*t.field(dst) = v
	}
	return problems
}

func (t typedSetting[T]) setDefault(dst *SettingValues)  { *t.field(dst) = t.def }
func (t typedSetting[T]) copy(dst, src *SettingValues)   { *t.field(dst) = *t.field(src) }
func (t typedSetting[T]) format(v *SettingValues) string { return t.kind.format(*t.field(v)) }
func (t typedSetting[T]) yamlDefault() string            { return t.kind.yamlText(t.def) }
func (t typedSetting[T]) choices() []string              { return t.kind.choices }
func (t typedSetting[T]) typeName() string               { return t.kind.name }

func (t typedSetting[T]) check(s Setting, v SettingValues) error {
	if t.kind.check == nil {
		return nil
	}
	return t.kind.check(s.Flag, *t.field(&v))
}

func (t typedSetting[T]) schema(s Setting) map[string]any {
	m := t.kind.schema(t.def)
	m["description"] = s.schemaDescription()
	return m
}

// valueKind is one type of setting: how each layer spells it, what is valid and
// how it is shown. Each layer keeps the wording it had before the table: a
// YAML diagnostic (summary and hint, which the loader locates), one line
// for an environment variable, and one line naming the flag for the
// effective value, which is where a flag's value is first checked.
type valueKind[T any] struct {
	name    string // the type in docs/config.md
	addFlag func(fs *pflag.FlagSet, name, short string, def T, usage string)
	getFlag func(fs *pflag.FlagSet, name string) (T, error)
	env     func(raw string) (T, error)
	yaml    func(n *yaml.Node) (T, []yamlProblem)
	// check validates the effective value; nil when every T is valid.
	check    func(flag string, v T) error
	format   func(T) string // as the support bundle lists it
	yamlText func(T) string // as written in the YAML file (config init)
	schema   func(def T) map[string]any
	choices  []string
}

func positiveIntKind() valueKind[int] {
	bad := func(s string) string { return fmt.Sprintf("%q is not a positive whole number", s) }
	parse := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 1
	}
	env, yamlRead := parsedScalar(parse, bad, "a whole number", "use a whole number of at least 1, e.g. 8")
	return valueKind[int]{
		name:    "whole number, at least 1",
		addFlag: func(fs *pflag.FlagSet, name, short string, def int, usage string) { fs.IntP(name, short, def, usage) },
		getFlag: func(fs *pflag.FlagSet, name string) (int, error) { return fs.GetInt(name) },
		env:     env,
		yaml:    yamlRead,
		check: func(flag string, v int) error {
			if v < 1 {
				return fmt.Errorf("--%s must be at least 1", flag)
			}
			return nil
		},
		format:   strconv.Itoa,
		yamlText: strconv.Itoa,
		schema: func(def int) map[string]any {
			return map[string]any{"type": []string{"integer", "null"}, "minimum": 1, "default": def}
		},
	}
}

// parsedScalar reads a kind whose variable and YAML value are the same text
// for parse (spaces around it ignored); bad words the problem, hint is the
// YAML diagnostic's.
func parsedScalar[T any](parse func(string) (T, bool), bad func(string) string, want, hint string) (func(string) (T, error), func(*yaml.Node) (T, []yamlProblem)) {
	var zero T
	env := func(raw string) (T, error) {
		v, ok := parse(strings.TrimSpace(raw))
		if !ok {
			return zero, fmt.Errorf("%s", bad(raw))
		}
		return v, nil
	}
	yamlRead := func(n *yaml.Node) (T, []yamlProblem) {
		s, problems := scalarText(n, want)
		if problems != nil {
			return zero, problems
		}
		v, ok := parse(s)
		if !ok {
			return zero, []yamlProblem{{n, bad(s), hint}}
		}
		return v, nil
	}
	return env, yamlRead
}

func positiveDurationKind() valueKind[time.Duration] {
	return valueKind[time.Duration]{
		name: "duration, e.g. 30s or 2m",
		addFlag: func(fs *pflag.FlagSet, name, short string, def time.Duration, usage string) {
			fs.DurationP(name, short, def, usage)
		},
		getFlag: func(fs *pflag.FlagSet, name string) (time.Duration, error) { return fs.GetDuration(name) },
		env: func(raw string) (time.Duration, error) {
			d, ok := parsePositiveDuration(raw)
			if !ok {
				return 0, fmt.Errorf("%q is not a positive duration such as 30s", raw)
			}
			return d, nil
		},
		yaml: func(n *yaml.Node) (time.Duration, []yamlProblem) {
			s, problems := scalarText(n, "a duration")
			if problems != nil {
				return 0, problems
			}
			return yamlDuration(n, s)
		},
		check: func(flag string, v time.Duration) error {
			if v <= 0 {
				return fmt.Errorf("--%s must be a positive duration", flag)
			}
			return nil
		},
		format:   time.Duration.String,
		yamlText: shortDuration,
		schema: func(def time.Duration) map[string]any {
			return map[string]any{"anyOf": []any{map[string]any{"$ref": "#/$defs/duration"}, map[string]any{"type": "null"}}, "default": shortDuration(def)}
		},
	}
}

func parsePositiveDuration(s string) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// yamlDuration reads a positive duration written at n (also each
// `preflight.checks` item's timeout).
func yamlDuration(n *yaml.Node, s string) (time.Duration, []yamlProblem) {
	d, ok := parsePositiveDuration(s)
	if !ok {
		return 0, []yamlProblem{{n, fmt.Sprintf("%q is not a positive duration", s), "use a Go duration such as 30s, 2m or 1m30s"}}
	}
	return d, nil
}

// shortDuration writes 3m rather than time.Duration's 3m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func boolKind() valueKind[bool] {
	return valueKind[bool]{
		name:    "boolean",
		addFlag: func(fs *pflag.FlagSet, name, short string, def bool, usage string) { fs.BoolP(name, short, def, usage) },
		getFlag: func(fs *pflag.FlagSet, name string) (bool, error) { return fs.GetBool(name) },
		env: func(raw string) (bool, error) {
			b, ok := parseBool(raw)
			if !ok {
				return false, fmt.Errorf("%q is not a boolean", raw)
			}
			return b, nil
		},
		yaml: func(n *yaml.Node) (bool, []yamlProblem) {
			s, problems := scalarText(n, "a boolean")
			if problems != nil {
				return false, problems
			}
			b, ok := parseBool(s)
			if !ok || n.Tag == "!!int" {
				return false, []yamlProblem{{n, fmt.Sprintf("expected a boolean, got %q", s), "use true or false"}}
			}
			return b, nil
		},
		format:   strconv.FormatBool,
		yamlText: strconv.FormatBool,
		schema: func(def bool) map[string]any {
			return map[string]any{"type": []string{"boolean", "null"}, "default": def}
		},
	}
}

// oneOfKind is a string from a fixed set. The environment's value is checked
// once effective, like a flag's, so it gets the flag's wording.
func oneOfKind(values ...string) valueKind[string] {
	identity := func(s string) string { return s }
	return valueKind[string]{
		name: "one of " + strings.Join(values, ", "),
		addFlag: func(fs *pflag.FlagSet, name, short string, def string, usage string) {
			fs.StringP(name, short, def, usage)
		},
		getFlag: func(fs *pflag.FlagSet, name string) (string, error) { return fs.GetString(name) },
		env:     func(raw string) (string, error) { return raw, nil },
		yaml: func(n *yaml.Node) (string, []yamlProblem) {
			s, problems := scalarText(n, "a string")
			if problems != nil {
				return "", problems
			}
			if !contains(values, s) {
				return "", []yamlProblem{{n, fmt.Sprintf("unknown value %q (want one of: %s)", s, strings.Join(values, ", ")), ""}}
			}
			return s, nil
		},
		check: func(flag string, v string) error {
			if !contains(values, v) {
				return fmt.Errorf("--%s %q: want %s", flag, v, strings.Join(values, " or "))
			}
			return nil
		},
		format:   identity,
		yamlText: identity,
		schema: func(def string) map[string]any {
			enum := []any{}
			for _, v := range values {
				enum = append(enum, v)
			}
			return map[string]any{"enum": append(enum, nil), "default": def}
		},
		choices: values,
	}
}

// globsKind is a list of check IDs or globs: repeated flags, a comma-separated
// environment variable, a YAML list.
func globsKind() valueKind[[]string] {
	return valueKind[[]string]{
		name: "list of check IDs or globs (comma-separated in the environment)",
		addFlag: func(fs *pflag.FlagSet, name, short string, def []string, usage string) {
			fs.StringArrayP(name, short, def, usage)
		},
		getFlag: func(fs *pflag.FlagSet, name string) ([]string, error) { return fs.GetStringArray(name) },
		env:     func(raw string) ([]string, error) { return strings.Split(raw, ","), nil },
		yaml: func(n *yaml.Node) ([]string, []yamlProblem) {
			if n.Kind != yaml.SequenceNode {
				return nil, []yamlProblem{{n, "expected a list, got " + kindName(n), `write a list, e.g. ["storage.*"]`}}
			}
			var out []string
			var problems []yamlProblem
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode {
					problems = append(problems, yamlProblem{item, "expected a string, got " + kindName(item), "each item is a check ID or glob"})
					continue
				}
				out = append(out, item.Value)
			}
			return out, problems
		},
		format: func(v []string) string { return strings.Join(v, ",") },
		yamlText: func(v []string) string {
			quoted := make([]string, len(v))
			for i, s := range v {
				quoted[i] = strconv.Quote(s)
			}
			return "[" + strings.Join(quoted, ", ") + "]"
		},
		schema: func([]string) map[string]any {
			return map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "string"}}
		},
	}
}

// scalarText is the text of a single value, or the problem of a list or a
// mapping written where one value belongs.
func scalarText(n *yaml.Node, want string) (string, []yamlProblem) {
	if n.Kind != yaml.ScalarNode {
		return "", []yamlProblem{{n, fmt.Sprintf("expected %s, got %s", want, kindName(n)), "write a single value"}}
	}
	return n.Value, nil
}

// byteSizeKind is a size in bytes: a whole number with an optional unit,
// 50MiB, 512KiB, 1GiB (K, Ki and KiB are 1024; KB is 1000), from 1 byte to
// MaxMaxInputSize.
func byteSizeKind() valueKind[int64] {
	bad := func(s string) string {
		return fmt.Sprintf("%q is not a size from 1B to %s, such as 50MiB", s, FormatSize(MaxMaxInputSize))
	}
	env, yamlRead := parsedScalar(ParseSize, bad, "a size", "write a number of bytes with a unit, e.g. 50MiB")
	return valueKind[int64]{
		name: "size in bytes, e.g. 50MiB",
		addFlag: func(fs *pflag.FlagSet, name, short string, def int64, usage string) {
			fs.StringP(name, short, FormatSize(def), usage)
		},
		getFlag: func(fs *pflag.FlagSet, name string) (int64, error) {
			raw, err := fs.GetString(name)
			if err != nil {
				return 0, err
			}
			n, ok := ParseSize(raw)
			if !ok {
				return 0, fmt.Errorf("--%s %s", name, bad(raw))
			}
			return n, nil
		},
		env:  env,
		yaml: yamlRead,
		check: func(flag string, v int64) error {
			if v < 1 || v > MaxMaxInputSize {
				return fmt.Errorf("--%s must be from 1B to %s", flag, FormatSize(MaxMaxInputSize))
			}
			return nil
		},
		format:   FormatSize,
		yamlText: FormatSize,
		schema: func(def int64) map[string]any {
			return map[string]any{"anyOf": []any{
				map[string]any{"type": "string", "pattern": sizePattern},
				map[string]any{"type": "integer", "minimum": 1, "maximum": MaxMaxInputSize},
				map[string]any{"type": "null"},
			}, "default": FormatSize(def)}
		},
	}
}

// sizePattern is what ParseSize accepts, for the JSON Schema.
const sizePattern = `^\s*[0-9]+\s*([KkMmGg]([Ii]?[Bb]?)|[Bb])?\s*$`

// ParseSize reads a size such as 50MiB, 512KiB, 10MB or 1048576 (bytes).
// It accepts 1 byte to MaxMaxInputSize.
func ParseSize(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	var unit int64
	switch strings.ToLower(strings.TrimSpace(s[i:])) {
	case "", "b":
		unit = 1
	case "k", "ki", "kib":
		unit = 1 << 10
	case "kb":
		unit = 1000
	case "m", "mi", "mib":
		unit = 1 << 20
	case "mb":
		unit = 1000 * 1000
	case "g", "gi", "gib":
		unit = 1 << 30
	case "gb":
		unit = 1000 * 1000 * 1000
	default:
		return 0, false
	}
	if n < 1 || n > MaxMaxInputSize/unit {
		return 0, false
	}
	return n * unit, true
}
