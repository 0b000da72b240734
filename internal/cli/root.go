package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// BuildInfo identifies the binary (set by ldflags in main).
type BuildInfo struct {
	Version   string
	Commit    string
	Date      string
	GoVersion string
}

// NewRootCmd assembles the command tree.
func NewRootCmd(s *Streams, b BuildInfo) *cobra.Command {
	root := &cobra.Command{
		Use:   "spacectl-preflight",
		Short: "Prove that every external dependency of Spacelift Self-Hosted is ready",
		Long: `spacectl-preflight checks, before you install Spacelift Self-Hosted, that PostgreSQL,
object storage, encryption keys, the message queue, the MQTT broker and telemetry
are there, correctly set up and reachable from where it runs.

Point it at the same configuration Spacelift will get: a YAML file (-c), env files
with Spacelift's own variable names (--env-file), Kubernetes Secret manifests
(--k8s-secret) or the process environment (--from-env).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(
		newCmdCheck(s, b, runCheck),
		newCmdBundle(s, b, runBundle),
		newCmdServe(s, b, runServe),
		newCmdChecks(s, runListChecks),
		newCmdConfig(s),
		newCmdExplain(s),
		newCmdVersion(s, b),
	)
	return root
}

// Main runs the CLI and returns the process exit code. It never calls
// os.Exit, so tests drive it like any function.
func Main(ctx context.Context, s *Streams, b BuildInfo, args []string) int {
	// Libraries that log on their own (Go's standard logger, the Azure
	// SDK) go through the run's scrubbing logger until Main returns.
	logs, restore := installLogRouter()
	defer restore()
	withLogs := *s
	withLogs.logs = logs
	s = &withLogs
	root := NewRootCmd(s, b)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	var ce *ConfigError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(s.Err, "spacectl-preflight: configuration has %s; no check was run\n", countErrors(ce))
	case code == ExitChecksFailed:
		// The report already said what failed.
	case code == ExitInterrupted:
		fmt.Fprintln(s.Err, "spacectl-preflight: interrupted; the results above are incomplete")
	case code == ExitUsage:
		fmt.Fprintf(s.Err, "spacectl-preflight: %v\n", err)
	default:
		if isCobraUsage(err) {
			fmt.Fprintf(s.Err, "spacectl-preflight: %v\nRun 'spacectl-preflight --help' for usage.\n", err)
			return ExitUsage
		}
		fmt.Fprintf(s.Err, "spacectl-preflight: %v\n", err)
	}
	return code
}

func countErrors(ce *ConfigError) string {
	n := 0
	for _, d := range ce.Diags {
		if d.Severity == 0 {
			n++
		}
	}
	if n == 1 {
		return "1 error"
	}
	return fmt.Sprintf("%d errors", n)
}
