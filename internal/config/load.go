package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
	FromEnv    bool     // --from-env
	// NoConfigFile ignores $SPACECTL_PREFLIGHT_CONFIG and ./spacectl-preflight.yaml
	// (config init reads an existing deployment, never the file it may replace).
	NoConfigFile bool
	// Env is the process environment (injected, never read from os here).
	Env map[string]string
	// Catalog is every variable the backends accept.
	Catalog *Catalog
	// ReadFile reads input files (injected for tests); defaults to os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

// Load merges every input into one Config. It returns every problem found;
// when Diagnostics.HasErrors() the Config must not be used to run checks.
func Load(o LoadOptions) (*Config, Diagnostics) {
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
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
		case explicit || !errors.Is(err, fs.ErrNotExist):
			ds.errorf(Source{Kind: FromYAML, File: path}, "", "pass an existing file with -c, or drop -c to use only env files and flags", "cannot read the config file: %v", pathErr(err))
		}
	}
	for _, f := range o.EnvFiles {
		data, err := o.ReadFile(f)
		if err != nil {
			ds.errorf(Source{Kind: FromEnvFile, File: f}, "", "check the --env-file path", "cannot read: %v", pathErr(err))
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
			ds.errorf(Source{Kind: FromK8s, File: f}, "", "check the --k8s-secret path", "cannot read: %v", pathErr(err))
			continue
		}
		cfg.Files = append(cfg.Files, f)
		parseK8sSecrets(f, data, func(name, value string, pos Source) {
			cfg.setChecked(name, value, pos, &ds)
		}, &ds)
	}
	if o.FromEnv {
		for _, v := range o.Catalog.Vars() {
			if val, ok := o.Env[v.Name]; ok {
				cfg.setChecked(v.Name, val, Source{Kind: FromEnv, Var: v.Name}, &ds)
			}
		}
	}
	return cfg, ds
}
