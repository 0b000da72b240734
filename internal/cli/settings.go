package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// RunSettings are the tool's own settings after layering, lowest first:
// defaults < YAML `preflight:` < SPACECTL_PREFLIGHT_* variables < flags.
type RunSettings struct {
	Concurrency   int
	Timeout       time.Duration
	CheckTimeout  time.Duration
	ReadOnly      bool
	Stage         checks.Stage
	FailOn        checks.Status
	Only, Skip    []string
	CheckTimeouts map[string]time.Duration
}

// settingKeys maps each viper key to its flag and environment variable.
var settingKeys = []struct{ key, flag, env string }{
	{"concurrency", "concurrency", "SPACECTL_PREFLIGHT_CONCURRENCY"},
	{"timeout", "timeout", "SPACECTL_PREFLIGHT_TIMEOUT"},
	{"checkTimeout", "check-timeout", "SPACECTL_PREFLIGHT_CHECK_TIMEOUT"},
	{"readOnly", "read-only", "SPACECTL_PREFLIGHT_READ_ONLY"},
	{"stage", "stage", "SPACECTL_PREFLIGHT_STAGE"},
	{"failOn", "fail-on", "SPACECTL_PREFLIGHT_FAIL_ON"},
	{"only", "only", "SPACECTL_PREFLIGHT_ONLY"},
	{"skip", "skip", "SPACECTL_PREFLIGHT_SKIP"},
}

// DefaultConcurrency is how many checks run at once unless told otherwise.
const DefaultConcurrency = checks.DefaultConcurrency

func addRunFlags(fs *pflag.FlagSet) {
	// A full run has 30-45 checks, nearly all waiting on the network; with
	// fewer slots than checks the slowest one may start late and the run
	// takes longer than it (docs/performance.md).
	fs.Int("concurrency", DefaultConcurrency, "checks run at once")
	fs.Duration("timeout", 3*time.Minute, "deadline for the whole run")
	fs.Duration("check-timeout", 30*time.Second, "default deadline for each check")
	fs.Bool("read-only", false, "never write: no probe objects, messages or DDL")
	fs.String("stage", string(checks.PreInstall), "pre-install or post-install")
	fs.String("fail-on", "fail", "lowest status that makes the exit code 1: fail or warn")
	fs.StringArray("only", nil, "run only checks whose ID matches this glob (repeatable), e.g. 'storage.*'")
	fs.StringArray("skip", nil, "skip checks whose ID matches this glob (repeatable)")
}

// resolveSettings layers the settings with viper. The environment layer is
// read from the injected Streams, not os.Getenv, so tests stay hermetic.
func resolveSettings(s *Streams, fs *pflag.FlagSet, pf config.Preflight) (RunSettings, error) {
	v := viper.New()
	v.SetDefault("concurrency", DefaultConcurrency)
	v.SetDefault("timeout", 3*time.Minute)
	v.SetDefault("checkTimeout", 30*time.Second)
	v.SetDefault("readOnly", false)
	v.SetDefault("stage", string(checks.PreInstall))
	v.SetDefault("failOn", "fail")

	fromFile := map[string]any{}
	if pf.Concurrency > 0 {
		fromFile["concurrency"] = pf.Concurrency
	}
	if pf.Timeout > 0 {
		fromFile["timeout"] = pf.Timeout
	}
	if pf.CheckTimeout > 0 {
		fromFile["checkTimeout"] = pf.CheckTimeout
	}
	if pf.ReadOnly != nil {
		fromFile["readOnly"] = *pf.ReadOnly
	}
	if pf.Stage != "" {
		fromFile["stage"] = pf.Stage
	}
	if pf.FailOn != "" {
		fromFile["failOn"] = pf.FailOn
	}
	if pf.Only != nil {
		fromFile["only"] = pf.Only
	}
	if pf.Skip != nil {
		fromFile["skip"] = pf.Skip
	}
	if err := v.MergeConfigMap(fromFile); err != nil {
		return RunSettings{}, err
	}
	fromEnv := map[string]any{}
	var problems []string
	for _, k := range settingKeys {
		raw, ok := s.Env[k.env]
		if !ok || raw == "" {
			continue
		}
		val, err := parseSetting(k.key, raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("$%s: %v", k.env, err))
			continue
		}
		fromEnv[k.key] = val
	}
	if len(problems) > 0 {
		return RunSettings{}, usageErrorf("%s", strings.Join(problems, "\n"))
	}
	if err := v.MergeConfigMap(fromEnv); err != nil {
		return RunSettings{}, err
	}
	for _, k := range settingKeys {
		if f := fs.Lookup(k.flag); f != nil && f.Changed {
			if err := v.BindPFlag(k.key, f); err != nil {
				return RunSettings{}, err
			}
		}
	}
	rs := RunSettings{
		Concurrency: v.GetInt("concurrency"), Timeout: v.GetDuration("timeout"), CheckTimeout: v.GetDuration("checkTimeout"),
		ReadOnly: v.GetBool("readOnly"), Stage: checks.Stage(v.GetString("stage")),
		Only: v.GetStringSlice("only"), Skip: v.GetStringSlice("skip"), CheckTimeouts: pf.CheckTimeouts,
	}
	if rs.Concurrency < 1 {
		return rs, usageErrorf("--concurrency must be at least 1")
	}
	if rs.Timeout <= 0 || rs.CheckTimeout <= 0 {
		return rs, usageErrorf("--timeout and --check-timeout must be positive durations")
	}
	if rs.Stage != checks.PreInstall && rs.Stage != checks.PostInstall {
		return rs, usageErrorf("--stage %q: want pre-install or post-install", rs.Stage)
	}
	switch v.GetString("failOn") {
	case "fail":
		rs.FailOn = checks.Fail
	case "warn":
		rs.FailOn = checks.Warn
	default:
		return rs, usageErrorf("--fail-on %q: want fail or warn", v.GetString("failOn"))
	}
	return rs, nil
}

func parseSetting(key, raw string) (any, error) {
	switch key {
	case "concurrency":
		var n int
		if _, err := fmt.Sscanf(raw, "%d", &n); err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", raw)
		}
		return n, nil
	case "timeout", "checkTimeout":
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration such as 30s", raw)
		}
		return d, nil
	case "readOnly":
		switch strings.ToLower(raw) {
		case "1", "true", "yes":
			return true, nil
		case "0", "false", "no":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean", raw)
	case "only", "skip":
		return strings.Split(raw, ","), nil
	}
	return raw, nil
}
