package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

func newCmdConfig(s *Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with the configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCmdConfigValidate(s), newCmdConfigInit(s), newCmdConfigSchema(s))
	return cmd
}

func newCmdConfigValidate(s *Streams) *cobra.Command {
	var in InputOptions
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Load and validate the configuration only; no network (exit 0 or 2)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := in.load(s)
			if err != nil {
				return err
			}
			if err := in.requireSome(cfg); err != nil {
				return err
			}
			inherited := inheritedNames(cfg)
			_, err = fmt.Fprintf(s.Out, "configuration is valid: %d variables set", len(cfg.Names())-len(inherited))
			if err == nil && len(cfg.Files) > 0 {
				_, err = fmt.Fprintf(s.Out, " from %s", safetext.EscapeLine(fmt.Sprint(cfg.Files)))
			}
			if err == nil && len(inherited) > 0 {
				// Names only: the values may be secrets.
				_, err = fmt.Fprintf(s.Out, ", plus %d SDK variable(s) inherited from the process environment (%s)", len(inherited), strings.Join(inherited, ", "))
			}
			if err == nil {
				_, err = fmt.Fprintln(s.Out)
			}
			return err
		},
	}
	in.addFlags(cmd.Flags())
	return cmd
}

// inheritedNames lists the SDK variables that no input set and that were
// taken from the process environment (config.Source.Inherited).
func inheritedNames(cfg *config.Config) []string {
	var out []string
	for _, n := range cfg.Names() {
		if src, _ := cfg.Source(n); src.Inherited {
			out = append(out, n)
		}
	}
	return out
}
