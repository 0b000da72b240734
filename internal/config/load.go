package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// DefaultFile is read when present and no other config file is named.
const DefaultFile = "spacectl-preflight.yaml"

// EnvConfigPath names the config file when -c is not given.
const EnvConfigPath = "SPACECTL_PREFLIGHT_CONFIG"

// LoadOptions name the inputs, lowest precedence first: the YAML file, the
// env files and Secrets in the order given, then the process environment.
type LoadOptions struct {
	ConfigPath string   // -c; empty means $SPACECTL_PREFLIGHT_CONFIG or ./spacectl-preflight.yaml if present
	EnvFiles   []string // --env-file, in order
	K8sSecrets []string // --k8s-secret, in order
	// Services are the --service SERVICE=FILE inputs, read after the env
	// files and Secrets: an env file, or Secret manifests when FILE ends
	// in .yaml, .yml or .json.
	Services []ServiceFile
	// HelmValues is the --helm-values file (not an input of Spacelift's
	// variables: checks compare it with them).
	HelmValues string
	FromEnv    bool // --from-env
	// Overrides are variables that dedicated flags set (--server-domain),
	// read after every other input: a flag wins over files and the
	// environment.
	Overrides []Override
	// NoConfigFile ignores $SPACECTL_PREFLIGHT_CONFIG and ./spacectl-preflight.yaml
	// (config init reads an existing deployment, never the file it may replace).
	NoConfigFile bool
	// NoInherit leaves the cloud SDKs' variables that no input set unset,
	// instead of taking them from Env (config init describes a deployment,
	// not the shell it runs in).
	NoInherit bool
	// Env is the process environment (injected, never read from os here).
	Env map[string]string
	// Catalog is every variable the backends accept.
	Catalog *Catalog
	// Limit caps the size of each input file (its zero value:
	// DefaultMaxInputSize). Unless the flag or the environment fixed it,
	// the YAML file's preflight.maxInputSize sets it for the files read
	// after the YAML file: its <key>File references, env files, Secrets.
	Limit InputLimit
	// ReadFile reads input files (injected for tests). The default is
	// ReadInput under Limit: regular files only, each at most Limit bytes.
	ReadFile func(string) ([]byte, error)
}

// Load merges every input into one Config. It returns every problem found;
// when Diagnostics.HasErrors() the Config must not be used to run checks.
func Load(o LoadOptions) (*Config, Diagnostics) {
	limit := o.Limit.Bytes
	if o.ReadFile == nil {
		// The closure reads limit at each call: the YAML file may change it.
		o.ReadFile = func(path string) ([]byte, error) { return ReadInput(path, limit) }
	}
	cfg := New(o.Catalog)
	var ds Diagnostics

	path, explicit := o.ConfigPath, o.ConfigPath != ""
	if path == "" && o.Env[EnvConfigPath] != "" && !o.NoConfigFile {
		path, explicit = o.Env[EnvConfigPath], true
	}
	if path == "" && !o.NoConfigFile {
		if _, err := os.Stat(DefaultFile); err == nil {
			path = DefaultFile
		}
	}
	if path != "" {
		data, err := o.ReadFile(path)
		switch {
		case err == nil:
			cfg.Files = append(cfg.Files, path)
			l := &yamlLoader{file: path, dir: filepath.Dir(path), env: o.Env, cfg: cfg, ds: &ds, readFile: o.ReadFile}
			l.load(data)
			if _, set := cfg.Preflight.Pos[maxInputSizeKey]; set && !o.Limit.Fixed {
				limit = cfg.Preflight.MaxInputSize
			}
			l.readFileRefs()
		case explicit || !errors.Is(err, fs.ErrNotExist):
			ds.readError(Source{Kind: FromYAML, File: path}, "", err, "pass an existing file with -c, or drop -c to use only env files and flags", "cannot read the config file")
		}
	}
	for _, f := range o.EnvFiles {
		data, err := o.ReadFile(f)
		if err != nil {
			ds.readError(Source{Kind: FromEnvFile, File: f}, "", err, "check the --env-file path", "cannot read")
			continue
		}
		cfg.Files = append(cfg.Files, f)
		parseDotenv(f, data, func(name, value string, line int) {
			cfg.setChecked(name, value, Source{Kind: FromEnvFile, File: f, Line: line}, &ds)
		}, &ds)
	}
	for _, f := range o.K8sSecrets {
		data, err := o.ReadFile(f)
		if err != nil {
			ds.readError(Source{Kind: FromK8s, File: f}, "", err, "check the --k8s-secret path", "cannot read")
			continue
		}
		cfg.Files = append(cfg.Files, f)
		parseK8sSecrets(f, data, func(name, value string, pos Source) {
			cfg.setFromSecret(name, value, pos, &ds)
		}, &ds)
	}
	for _, sf := range o.Services {
		loadServiceFile(cfg, sf, o.ReadFile, &ds)
	}
	if o.FromEnv {
		fromEnv(cfg, o.Env, &ds)
	}
	for _, ov := range o.Overrides {
		if v, ok := cfg.cat.Lookup(ov.Name); ok {
			cfg.setVar(v, ov.Name, ov.Value, Source{Kind: FromFlag, Var: ov.Flag}, &ds)
		}
	}
	if o.HelmValues != "" {
		cfg.Helm = loadHelmValues(o.HelmValues, o.ReadFile, &ds)
	}
	if !o.NoInherit {
		inheritSDK(cfg, o.Env, &ds)
	}
	return cfg, ds
}

// Override is one variable set by a flag of its own.
type Override struct {
	Flag  string // e.g. "--server-domain"
	Name  string // the variable, e.g. SERVER_DOMAIN
	Value string
}

// loadServiceFile reads one --service SERVICE=FILE input, which only that
// service receives.
func loadServiceFile(cfg *Config, sf ServiceFile, readFile func(string) ([]byte, error), ds *Diagnostics) {
	kind, flag := FromEnvFile, "--service "+sf.Service+"="
	if sf.isManifest() {
		kind = FromK8s
	}
	data, err := readFile(sf.Path)
	if err != nil {
		ds.readError(Source{Kind: kind, File: sf.Path}, "", err, "check the "+flag+"FILE path", "cannot read")
		return
	}
	if cfg.serviceOf == nil {
		cfg.serviceOf = map[string]string{}
	}
	cfg.serviceOf[sf.Path] = sf.Service
	cfg.Files = append(cfg.Files, sf.Path)
	if kind == FromK8s {
		parseK8sSecrets(sf.Path, data, func(name, value string, pos Source) { cfg.setChecked(name, value, pos, ds) }, ds)
		return
	}
	parseDotenv(sf.Path, data, func(name, value string, line int) {
		cfg.setChecked(name, value, Source{Kind: FromEnvFile, File: sf.Path, Line: line}, ds)
	}, ds)
}

// inheritSDK takes each cloud SDK's variable (OriginSDK) that no input set
// from the process environment, where the SDK inside this tool would read it
// anyway (the GCS library reads STORAGE_EMULATOR_HOST itself): the checks
// then see, and report, what the SDK really uses. An input that sets the
// variable, even to "", wins. Only catalog names are read, so no typo
// warning can come from here (fromEnv warns about those, once, with
// --from-env), and a value the catalog refuses is ignored with a warning:
// nobody asked for it.
func inheritSDK(cfg *Config, env map[string]string, ds *Diagnostics) {
	for _, v := range cfg.cat.Vars() {
		if v.Origin != OriginSDK {
			continue
		}
		if _, set := cfg.vars[v.Name]; set {
			continue
		}
		// Aliases first, so the canonical name wins when both are set.
		for _, n := range append(append([]string(nil), v.Aliases...), v.Name) {
			val := env[n]
			if val == "" {
				continue
			}
			src := Source{Kind: FromEnv, Var: n, Inherited: true}
			if p, h := shownProblem(v, val); p != "" {
				ds.warnf(src, n, h, "%s; ignored: no input sets this SDK variable, so it was only inherited", p)
				continue
			}
			cfg.Set(v, val, src)
		}
	}
}

// fromEnv reads the catalog's variables from the process environment, then
// warns about each other name that is a likely typo of one. The process
// environment holds many variables that are not ours (PATH, HOSTNAME,
// Kubernetes' service links): Catalog.typoOf keeps those quiet.
func fromEnv(cfg *Config, env map[string]string, ds *Diagnostics) {
	for _, v := range cfg.cat.Vars() {
		// Aliases first, so the canonical name wins when both are set.
		for _, n := range append(append([]string(nil), v.Aliases...), v.Name) {
			if val, ok := env[n]; ok {
				cfg.setChecked(n, val, Source{Kind: FromEnv, Var: n}, ds)
			}
		}
	}
	own := map[string]bool{EnvConfigPath: true}
	for _, s := range Settings() {
		own[s.Env] = true
	}
	names := make([]string, 0, len(env))
	for n := range env {
		if _, known := cfg.cat.Lookup(n); !known && !own[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		cfg.cat.warnTypo(n, Source{Kind: FromEnv, Var: safetext.EscapeLine(n)}, ds)
	}
}

// readError reports an input file that could not be read: the reader's
// own problem and hint when it refused the file (an InputError: not a
// regular file, too large), else what the operating system said after
// what, with the caller's hint.
func (ds *Diagnostics) readError(pos Source, key string, err error, hint, what string) {
	var ie *InputError
	if errors.As(err, &ie) {
		ds.errorf(pos, key, ie.Hint, "%s", ie.Problem)
		return
	}
	ds.errorf(pos, key, hint, "%s: %s", what, pathErr(err))
}
