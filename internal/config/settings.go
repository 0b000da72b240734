package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Defaults of the run settings. The runner falls back on them too when a
// caller leaves its options zero.
const (
	// DefaultConcurrency bounds the checks running at once: above the 30-45
	// checks of a full run, which nearly all wait on the network, so none
	// waits for a slot and a run takes about as long as its slowest check
	// (docs/performance.md).
	DefaultConcurrency = 32
	// DefaultTimeout is the deadline of the whole run.
	DefaultTimeout = 3 * time.Minute
	// DefaultCheckTimeout is each check's deadline unless overridden.
	DefaultCheckTimeout = 30 * time.Second
)

// Setting is one of the tool's own settings (as opposed to Spacelift's
// variables). Each is declared once, in Settings; that table drives the
// flags of check and bundle, the SPACECTL_PREFLIGHT_* variables, the YAML
// `preflight:` section, the JSON Schema, `config init` and the support
// bundle's list of settings.
type Setting struct {
	Key   string // YAML key under `preflight:`; the setting's name in the support bundle
	Flag  string // long flag name, without "--"
	Short string // flag shorthand, "" for none
	Env   string // environment variable
	// Doc is one line: the flag's usage text, the starter config's comment
	// and (capitalised) the JSON Schema's description.
	Doc string
	// Input marks a setting of how the inputs are read: its flag comes with
	// the input flags (-c, --env-file, …) on every command that reads them,
	// and the flag and the environment are resolved before the inputs are
	// read (ResolveInputLimit).
	Input bool
	// typ knows the setting's type: its default, its field in
	// SettingValues, how each layer spells it and how it is shown.
	typ settingType
}

// Targets: what a run checks. The server target is Spacelift's own
// dependencies; the worker target is a private worker pool, checked from
// its host or its cluster.
const (
	TargetServer = "server"
	TargetWorker = "worker"
)

// EnvSettingPrefix starts the name of every setting's environment variable.
const EnvSettingPrefix = "SPACECTL_PREFLIGHT_"

// Settings returns the table of the tool's settings, in documentation
// order. `preflight.checks` (per-check deadlines) is not in it: it is a
// YAML-only list, read by the loader's checkOverrides.
func Settings() []Setting {
	return []Setting{
		{Key: "concurrency", Flag: "concurrency", Env: EnvSettingPrefix + "CONCURRENCY",
			Doc: "checks run at once",
			typ: settingField(positiveIntKind(), DefaultConcurrency, func(v *SettingValues) *int { return &v.Concurrency })},
		{Key: "timeout", Flag: "timeout", Env: EnvSettingPrefix + "TIMEOUT",
			Doc: "deadline for the whole run",
			typ: settingField(positiveDurationKind(), DefaultTimeout, func(v *SettingValues) *time.Duration { return &v.Timeout })},
		{Key: "checkTimeout", Flag: "check-timeout", Env: EnvSettingPrefix + "CHECK_TIMEOUT",
			Doc: "default deadline for each check",
			typ: settingField(positiveDurationKind(), DefaultCheckTimeout, func(v *SettingValues) *time.Duration { return &v.CheckTimeout })},
		{Key: "readOnly", Flag: "read-only", Env: EnvSettingPrefix + "READ_ONLY",
			Doc: "never write: no probe objects, messages or DDL",
			typ: settingField(boolKind(), false, func(v *SettingValues) *bool { return &v.ReadOnly })},
		{Key: "probeAllBuckets", Flag: "probe-all-buckets", Env: EnvSettingPrefix + "PROBE_ALL_BUCKETS",
			Doc: "also write probe objects in the states and modules buckets, skipped by default as they hold Terraform state and modules",
			typ: settingField(boolKind(), false, func(v *SettingValues) *bool { return &v.ProbeAllBuckets })},
		{Key: "target", Flag: "target", Env: EnvSettingPrefix + "TARGET",
			Doc: "what to check: server (Spacelift's dependencies) or worker (a private worker pool, run on its host or in its cluster)",
			typ: settingField(oneOfKind(TargetServer, TargetWorker), TargetServer, func(v *SettingValues) *string { return &v.Target })},
		{Key: "stage", Flag: "stage", Env: EnvSettingPrefix + "STAGE",
			Doc: "pre-install or post-install",
			typ: settingField(oneOfKind("pre-install", "post-install"), "pre-install", func(v *SettingValues) *string { return &v.Stage })},
		{Key: "failOn", Flag: "fail-on", Env: EnvSettingPrefix + "FAIL_ON",
			Doc: "lowest status that makes the exit code 1: fail or warn",
			typ: settingField(oneOfKind("fail", "warn"), "fail", func(v *SettingValues) *string { return &v.FailOn })},
		{Key: "only", Flag: "only", Env: EnvSettingPrefix + "ONLY",
			Doc: "run only checks whose ID matches this glob (repeatable), e.g. 'storage.*', and the checks they need",
			typ: settingField(globsKind(), nil, func(v *SettingValues) *[]string { return &v.Only })},
		{Key: "skip", Flag: "skip", Env: EnvSettingPrefix + "SKIP",
			Doc: "skip checks whose ID matches this glob (repeatable); checks that need them are skipped too",
			typ: settingField(globsKind(), nil, func(v *SettingValues) *[]string { return &v.Skip })},
		{Key: maxInputSizeKey, Flag: "max-input-size", Env: EnvSettingPrefix + "MAX_INPUT_SIZE", Input: true,
			Doc: "largest input file to read, e.g. 50MiB: config, env files, Secrets, key files, bundle --results",
			typ: settingField(byteSizeKind(), DefaultMaxInputSize, func(v *SettingValues) *int64 { return &v.MaxInputSize })},
	}
}

// maxInputSizeKey is the input size cap's key in Settings.
const maxInputSizeKey = "maxInputSize"

func maxInputSizeSetting() Setting {
	for _, s := range Settings() {
		if s.Key == maxInputSizeKey {
			return s
		}
	}
	panic("config: no " + maxInputSizeKey + " setting")
}

// SettingValues holds one value of every setting: the effective ones after
// layering, or those one layer (the YAML file) sets.
type SettingValues struct {
	Concurrency  int
	Timeout      time.Duration
	CheckTimeout time.Duration
	ReadOnly     bool
	Target       string // TargetServer or TargetWorker
	Stage        string // one of Choices() of "stage"
	FailOn       string // one of Choices() of "failOn"
	Only, Skip   []string
	MaxInputSize int64 // bytes

	// ProbeAllBuckets lets the storage write probes into the states and
	// modules buckets, which they spare by default.
	ProbeAllBuckets bool
}

// RunSettings are the settings after layering, lowest first: defaults <
// YAML `preflight:` < SPACECTL_PREFLIGHT_* variables < flags.
type RunSettings struct {
	SettingValues
	// CheckTimeouts overrides CheckTimeout by check ID (YAML only).
	CheckTimeouts map[string]time.Duration
	// From says, by Setting.Key, which layer set each value: FromDefault,
	// FromYAML, FromEnv or FromFlag.
	From map[string]SourceKind
}

// AddSettingFlags adds one flag per run setting (check and bundle both run
// checks, so both take them). The Input settings' flags come with the
// input flags: AddInputSettingFlags.
func AddSettingFlags(fs *pflag.FlagSet) {
	for _, s := range Settings() {
		if !s.Input {
			s.typ.addFlag(fs, s)
		}
	}
}

// AddSettingFlag adds the flag of the one setting key, for commands that
// take only some settings (`checks` takes --target).
func AddSettingFlag(fs *pflag.FlagSet, key string) {
	for _, s := range Settings() {
		if s.Key == key {
			s.typ.addFlag(fs, s)
			return
		}
	}
	panic("config: no setting " + key)
}

// AddInputSettingFlags adds the flags of the Input settings, for every
// command that reads input files.
func AddInputSettingFlags(fs *pflag.FlagSet) {
	for _, s := range Settings() {
		if s.Input {
			s.typ.addFlag(fs, s)
		}
	}
}

// InputLimit is the cap on the size of each input file.
type InputLimit struct {
	Bytes int64 // 0 means DefaultMaxInputSize
	// Fixed says the flag or the environment chose Bytes, so the YAML
	// file's preflight.maxInputSize, a lower layer, cannot change it.
	Fixed bool
}

// ResolveInputLimit layers --max-input-size over
// $SPACECTL_PREFLIGHT_MAX_INPUT_SIZE over the default, before any input is
// read. The YAML file's preflight.maxInputSize is applied by Load once the
// file is read: it cannot apply to the YAML file itself.
func ResolveInputLimit(env map[string]string, fs *pflag.FlagSet) (InputLimit, error) {
	var inputs []Setting
	for _, s := range Settings() {
		if s.Input {
			inputs = append(inputs, s)
		}
	}
	rs := RunSettings{From: map[string]SourceKind{}}
	if err := resolve(inputs, Preflight{}, env, fs, &rs); err != nil {
		return InputLimit{}, err
	}
	return InputLimit{Bytes: rs.MaxInputSize, Fixed: rs.From[maxInputSizeKey] != FromDefault}, nil
}

// ResolveSettings layers the settings: each setting starts at its default
// and is replaced by the YAML file's value, then by its non-empty
// environment variable, then by its flag when the flag was given. The
// environment is the injected map, never os.Getenv, so tests stay hermetic.
// fs may be nil (no flags). Every bad environment variable is reported at
// once; then the effective values are checked, as flags give them unchecked.
//
// This is deliberately not viper: viper reads only os.Getenv, cannot say
// which layer set a value (the support bundle reports it) and turns a bad
// value into zero without an error, so every layer would still need the
// parsing done here, and the YAML section would go through a map once more.
func ResolveSettings(pf Preflight, env map[string]string, fs *pflag.FlagSet) (RunSettings, error) {
	rs := RunSettings{CheckTimeouts: pf.CheckTimeouts, From: map[string]SourceKind{}}
	err := resolve(Settings(), pf, env, fs, &rs)
	return rs, err
}

// resolve layers the settings of list into rs, as ResolveSettings says.
func resolve(list []Setting, pf Preflight, env map[string]string, fs *pflag.FlagSet, rs *RunSettings) error {
	var problems []string
	for _, s := range list {
		s.typ.setDefault(&rs.SettingValues)
		rs.From[s.Key] = FromDefault
		if _, ok := pf.Pos[s.Key]; ok {
			s.typ.copy(&rs.SettingValues, &pf.SettingValues)
			rs.From[s.Key] = FromYAML
		}
		if raw := env[s.Env]; raw != "" {
			if err := s.typ.fromEnv(raw, &rs.SettingValues); err != nil {
				problems = append(problems, fmt.Sprintf("$%s: %v", s.Env, err))
				continue
			}
			rs.From[s.Key] = FromEnv
		}
		if f := flagOf(fs, s); f != nil && f.Changed {
			if err := s.typ.fromFlag(fs, s, &rs.SettingValues); err != nil {
				return err
			}
			rs.From[s.Key] = FromFlag
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	for _, s := range list {
		if err := s.typ.check(s, rs.SettingValues); err != nil {
			return err
		}
	}
	return nil
}

func flagOf(fs *pflag.FlagSet, s Setting) *pflag.Flag {
	if fs == nil {
		return nil
	}
	return fs.Lookup(s.Flag)
}

// Format shows the setting's value in v as the support bundle lists it.
func (s Setting) Format(v SettingValues) string { return s.typ.format(&v) }

// Origin names the layer that set the value as the support bundle lists
// it: the flag, the variable, the YAML key or "default".
func (s Setting) Origin(k SourceKind) string {
	switch k {
	case FromFlag:
		return "flag --" + s.Flag
	case FromEnv:
		return "environment $" + s.Env
	case FromYAML:
		return "yaml preflight." + s.Key
	}
	return "default"
}

// Choices returns the values an enumerated setting accepts (nil for the
// others), so the CLI can prove each maps to its own type.
func (s Setting) Choices() []string { return s.typ.choices() }

// starterLine is the setting's commented-out line in `config init`'s
// preflight section, at its default.
func (s Setting) starterLine() string {
	return fmt.Sprintf("  # %s: %s  # --%s: %s\n", s.Key, s.typ.yamlDefault(), s.Flag, s.Doc)
}

// schemaDescription is the JSON Schema's description of the YAML key.
func (s Setting) schemaDescription() string {
	return strings.ToUpper(s.Doc[:1]) + s.Doc[1:] + " (--" + s.Flag + ")."
}
