package cli

import (
	"github.com/spf13/pflag"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// resolveSettings layers the run settings (config.Settings declares them):
// defaults < YAML `preflight:` < SPACECTL_PREFLIGHT_* variables < flags. The
// environment comes from the injected Streams, not os.Getenv.
func resolveSettings(s *Streams, fs *pflag.FlagSet, pf config.Preflight) (config.RunSettings, error) {
	rs, err := config.ResolveSettings(pf, s.Env, fs)
	if err != nil {
		return rs, usageErrorf("%v", err)
	}
	return rs, nil
}

// stage is the --stage setting as the checks take it.
func stage(rs config.RunSettings) checks.Stage { return checks.Stage(rs.Stage) }

// failOn is the lowest status that makes the exit code 1. The settings
// table only accepts status names (a test proves each parses).
func failOn(rs config.RunSettings) checks.Status {
	st, err := checks.ParseStatus(rs.FailOn)
	if err != nil {
		return checks.Fail
	}
	return st
}
