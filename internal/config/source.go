package config

import "fmt"

// SourceKind says where a value came from.
type SourceKind string

// Source kinds, lowest precedence first.
const (
	FromDefault SourceKind = "default"
	FromYAML    SourceKind = "yaml"
	FromEnvFile SourceKind = "env-file"
	FromK8s     SourceKind = "k8s-secret"
	FromEnv     SourceKind = "environment"
	FromFlag    SourceKind = "flag"
	// FromHelm locates a value in a Helm values file (--helm-values),
	// which is compared with the configuration, never merged into it.
	FromHelm SourceKind = "helm-values"
)

// Source locates a value or a problem: a file position, or an environment
// variable name.
type Source struct {
	Kind   SourceKind `json:"kind"`
	File   string     `json:"file,omitempty"`
	Line   int        `json:"line,omitempty"`
	Col    int        `json:"column,omitempty"`
	Var    string     `json:"var,omitempty"`    // the variable (FromEnv) or the flag (FromFlag)
	Object string     `json:"object,omitempty"` // e.g. "Secret spacelift-shared"
	// Inherited marks a cloud SDK's variable (OriginSDK) that no input set
	// and that was taken from the process environment without --from-env,
	// as the SDK inside this tool would read it (LoadOptions.Env).
	Inherited bool `json:"inherited,omitempty"`
}

// String renders the position compiler-style: FILE:line:col, FILE:line, or
// $VAR for the process environment ("$VAR (process environment)" when the
// value was inherited rather than asked for with --from-env), or the flag
// that set it.
func (s Source) String() string {
	switch {
	case s.File != "" && s.Line > 0 && s.Col > 0:
		return fmt.Sprintf("%s:%d:%d", s.File, s.Line, s.Col)
	case s.File != "" && s.Line > 0:
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	case s.File != "":
		return s.File
	case s.Kind == FromEnv && s.Var != "" && s.Inherited:
		return "$" + s.Var + " (process environment)"
	case s.Kind == FromEnv && s.Var != "":
		return "$" + s.Var
	case s.Kind == FromFlag && s.Var != "":
		return s.Var
	default:
		return string(s.Kind)
	}
}
