package cli

import (
	"github.com/spf13/pflag"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// InputOptions are the flags that name where the configuration comes from;
// every command that reads configuration shares them.
type InputOptions struct {
	ConfigPath string
	EnvFiles   []string
	K8sSecrets []string
	FromEnv    bool
}

func (o *InputOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.ConfigPath, "config", "c", "", "YAML config file (default $SPACECTL_PREFLIGHT_CONFIG, or ./spacectl-preflight.yaml if present)")
	fs.StringArrayVar(&o.EnvFiles, "env-file", nil, "dotenv file with Spacelift's variable names (repeatable)")
	fs.StringArrayVar(&o.K8sSecrets, "k8s-secret", nil, "Kubernetes Secret manifest(s) with Spacelift's variables (repeatable)")
	fs.BoolVar(&o.FromEnv, "from-env", false, "also read Spacelift's variables from the process environment")
}

// load reads and validates the configuration, printing every diagnostic to
// stderr. Warnings do not stop the command; errors do (exit 2).
func (o *InputOptions) load(s *Streams) (*config.Config, error) {
	cfg, diags := config.Load(config.LoadOptions{
		ConfigPath: o.ConfigPath, EnvFiles: o.EnvFiles, K8sSecrets: o.K8sSecrets, FromEnv: o.FromEnv, Env: s.Env, Catalog: s.catalog(),
	})
	diags.Write(s.Err)
	if diags.HasErrors() {
		return nil, &ConfigError{Diags: diags}
	}
	return cfg, nil
}

// requireSome refuses to check an empty configuration: with no input at
// all every check would fail, and the real mistake (a forgotten flag) would
// drown in a wall of "not set".
func (o *InputOptions) requireSome(cfg *config.Config) error {
	if len(cfg.Files) > 0 || o.FromEnv {
		return nil
	}
	return usageErrorf("no configuration given: pass --env-file FILE (Spacelift's variables), --k8s-secret FILE, -c FILE (or create ./%s), or --from-env", config.DefaultFile)
}
