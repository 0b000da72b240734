package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// InputOptions are the flags that name where the configuration comes from;
// every command that reads configuration shares them.
type InputOptions struct {
	ConfigPath string
	EnvFiles   []string
	K8sSecrets []string
	// Services are --service SERVICE=FILE inputs, HelmValues --helm-values.
	Services   []string
	HelmValues string
	FromEnv    bool
	// ServerDomain and MQTTEndpoint set SERVER_DOMAIN and
	// MQTT_BROKER_ENDPOINT over every input: a worker's inputs rarely hold
	// the server's variables.
	ServerDomain string
	MQTTEndpoint string
	// flags holds --max-input-size (the Input settings), resolved with the
	// environment before any file is read.
	flags *pflag.FlagSet
}

func (o *InputOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.ConfigPath, "config", "c", "", "YAML config file (default $SPACECTL_PREFLIGHT_CONFIG, or ./spacectl-preflight.yaml if present)")
	fs.StringArrayVar(&o.EnvFiles, "env-file", nil, "dotenv file with Spacelift's variable names (repeatable)")
	fs.StringArrayVar(&o.K8sSecrets, "k8s-secret", nil, "Kubernetes Secret manifest(s) with Spacelift's variables (repeatable)")
	fs.StringArrayVar(&o.Services, "service", nil, "SERVICE=FILE: an env file or Secret manifest (.yaml/.yml/.json) that only SERVICE receives: server, drain, scheduler, or shared (repeatable)")
	fs.StringVar(&o.HelmValues, "helm-values", "", "Helm values file of the spacelift-self-hosted chart, compared with the variables (config.services)")
	fs.BoolVar(&o.FromEnv, "from-env", false, "also read Spacelift's variables from the process environment")
	fs.StringVar(&o.ServerDomain, "server-domain", "", "sets SERVER_DOMAIN (the Spacelift server's hostname) over the inputs, e.g. for --target worker")
	fs.StringVar(&o.MQTTEndpoint, "mqtt-endpoint", "", "sets MQTT_BROKER_ENDPOINT (tls://HOST:PORT, or IoT Core's endpoint) over the inputs, e.g. for --target worker")
	o.addLimitFlags(fs)
}

// addLimitFlags adds the Input settings' flags (--max-input-size), for
// commands that declare their input flags themselves (config init).
func (o *InputOptions) addLimitFlags(fs *pflag.FlagSet) {
	config.AddInputSettingFlags(fs)
	o.flags = fs
}

// limit is the input size cap from --max-input-size and
// $SPACECTL_PREFLIGHT_MAX_INPUT_SIZE (the YAML file's key applies once the
// file is read: config.Load).
func (o *InputOptions) limit(s *Streams) (config.InputLimit, error) {
	l, err := config.ResolveInputLimit(s.Env, o.flags)
	if err != nil {
		return l, usageErrorf("%v", err)
	}
	return l, nil
}

// load reads and validates the configuration, printing every diagnostic to
// stderr. Warnings do not stop the command; errors do (exit 2).
func (o *InputOptions) load(s *Streams) (*config.Config, error) {
	limit, err := o.limit(s)
	if err != nil {
		return nil, err
	}
	var services []config.ServiceFile
	for _, raw := range o.Services {
		sf, err := config.ParseServiceFile(raw)
		if err != nil {
			return nil, usageErrorf("--service: %s", safetext.EscapeLine(err.Error()))
		}
		services = append(services, sf)
	}
	cfg, diags := config.Load(config.LoadOptions{
		ConfigPath: o.ConfigPath, EnvFiles: o.EnvFiles, K8sSecrets: o.K8sSecrets, Services: services, HelmValues: o.HelmValues,
		FromEnv: o.FromEnv, Overrides: o.overrides(), Env: s.Env, Catalog: s.catalog(), Limit: limit,
	})
	diags.Write(s.Err)
	if diags.HasErrors() {
		return nil, &ConfigError{Diags: diags}
	}
	return cfg, nil
}

// overrides are the variables the input flags of their own set.
func (o *InputOptions) overrides() []config.Override {
	var ovs []config.Override
	if o.ServerDomain != "" {
		ovs = append(ovs, config.Override{Flag: "--server-domain", Name: configcheck.ServerDomain, Value: o.ServerDomain})
	}
	if o.MQTTEndpoint != "" {
		ovs = append(ovs, config.Override{Flag: "--mqtt-endpoint", Name: mqtt.BrokerEndpoint, Value: o.MQTTEndpoint})
	}
	return ovs
}

// requireSome refuses to check an empty configuration: with no input at
// all, or inputs that set no variable (an empty file, a file with no
// Secret in it, --from-env where none of Spacelift's variables is set),
// every check would fail, and the real mistake (a forgotten flag, the
// wrong file) would drown in a wall of "not set".
func (o *InputOptions) requireSome(cfg *config.Config) error {
	if len(cfg.Files) == 0 && !o.FromEnv && len(o.overrides()) == 0 {
		return usageErrorf("no configuration given: pass --env-file FILE (Spacelift's variables), --k8s-secret FILE, -c FILE (or create ./%s), or --from-env", config.DefaultFile)
	}
	for _, n := range cfg.Names() {
		// An SDK variable inherited from the shell is not configuration.
		if src, _ := cfg.Source(n); cfg.Has(n) && !src.Inherited {
			return nil
		}
	}
	var inputs []string
	for _, f := range cfg.Files {
		inputs = append(inputs, safetext.EscapeLine(f))
	}
	if o.FromEnv {
		inputs = append(inputs, "the environment (--from-env)")
	}
	return usageErrorf("the configuration sets no variable: %s set none of Spacelift's variables, so nothing could be checked\n"+
		"  hint: pass the file Spacelift is configured with (an env file of NAME=value lines, or the Secret manifests `kubectl get secret NAME -o yaml` prints); `spacectl-preflight config init` lists every variable",
		joinAnd(inputs))
}

// joinAnd lists names as "a", "a and b" or "a, b and c".
func joinAnd(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return fmt.Sprintf("%s and %s", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}
