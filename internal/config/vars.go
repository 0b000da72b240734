package config

// Kind is the type of a variable's value.
type Kind int

// Kinds.
const (
	KindString Kind = iota
	KindBool
	KindInt
	KindEnum
)

// Var describes one accepted variable: its Spacelift (environment) name,
// which is a stable contract, and its key in the YAML file.
type Var struct {
	Name    string   // environment name, e.g. SERVER_DOMAIN
	Path    string   // YAML key, e.g. server.domain
	Kind    Kind     // value type
	Enum    []string // allowed values for KindEnum
	Default string   // the value Spacelift implies when unset (type variables)
	Secret  bool     // never printed
	// FileKey lets the YAML give the value as a file: <key>File.
	FileKey bool
	// FoldCase accepts enum values in another letter case (the check then
	// warns, because Spacelift's case-sensitivity is unconfirmed).
	FoldCase bool
	// Aliases are other environment names that set the same variable, as
	// Go reads http_proxy for HTTP_PROXY.
	Aliases []string
	// SecretKeys are keys under which a Kubernetes Secret holds the value
	// besides its names (the worker pool's Secret keeps SPACELIFT_TOKEN
	// under "token"); only Secret manifests (--k8s-secret) are read so.
	SecretKeys []string
	// Origin says whose variable it is: OriginSpacelift, OriginModule,
	// OriginSDK or OriginTool.
	Origin string
	Doc    string
}

// Origins of a variable.
const (
	// OriginSpacelift is a variable Spacelift documents.
	OriginSpacelift = "spacelift"
	// OriginModule is set by the official modules but not documented.
	OriginModule = "module"
	// OriginSDK is read by a cloud SDK (or the tracer) inside Spacelift.
	OriginSDK = "sdk"
	// OriginTool is this tool's own (SPACECTL_PREFLIGHT_*).
	OriginTool = "preflight"
)

// Spacelift declares a variable Spacelift documents: its environment name,
// its YAML key and a one-line doc.
func Spacelift(name, path, doc string) Var {
	return Var{Name: name, Path: path, Origin: OriginSpacelift, Doc: doc}
}

// Module declares a variable the official modules set but Spacelift does
// not document.
func Module(name, path, doc string) Var {
	v := Spacelift(name, path, doc)
	v.Origin = OriginModule
	return v
}

// SDK declares a variable a cloud SDK reads inside Spacelift.
func SDK(name, path, doc string) Var { v := Spacelift(name, path, doc); v.Origin = OriginSDK; return v }

// Tool declares one of this tool's own variables (SPACECTL_PREFLIGHT_*).
func Tool(name, path, doc string) Var {
	v := Spacelift(name, path, doc)
	v.Origin = OriginTool
	return v
}

// Sensitive marks the value a secret: typed as one, never printed.
func (v Var) Sensitive() Var { v.Secret = true; return v }

// FromFile also accepts the value from a file, as the YAML key <key>File.
func (v Var) FromFile() Var { v.FileKey = true; return v }

// Boolean makes the value a boolean.
func (v Var) Boolean() Var { v.Kind = KindBool; return v }

// Integer makes the value a whole number.
func (v Var) Integer() Var { v.Kind = KindInt; return v }

// OneOf makes the value one of values, with def the value Spacelift
// implies when it is unset.
func (v Var) OneOf(def string, values ...string) Var {
	v.Kind, v.Enum, v.Default = KindEnum, values, def
	return v
}

// Alias also accepts the value under other environment names.
func (v Var) Alias(names ...string) Var {
	v.Aliases = append(append([]string(nil), v.Aliases...), names...)
	return v
}

// SecretKey also accepts the value under other keys of a Kubernetes Secret
// (not of an env file or the environment).
func (v Var) SecretKey(keys ...string) Var {
	v.SecretKeys = append(append([]string(nil), v.SecretKeys...), keys...)
	return v
}

// DefaultNote says what an unset enum means, for docs: Spacelift's
// default, or this tool's for its own variables; "" without a default.
func (v Var) DefaultNote() string {
	switch {
	case v.Default == "":
		return ""
	case v.Origin == OriginTool:
		return "default when unset: " + v.Default
	}
	return "Spacelift's default when unset: " + v.Default
}

// AnyCase accepts the enum values in another letter case.
func (v Var) AnyCase() Var { v.FoldCase = true; return v }
