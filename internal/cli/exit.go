package cli

import (
	"errors"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Exit codes: a stable contract, documented in docs/exit-codes.md.
const (
	ExitOK           = 0   // no failure (warnings allowed)
	ExitChecksFailed = 1   // a fail or error, or a warn under --fail-on warn
	ExitUsage        = 2   // bad flags or configuration: no check ran
	ExitInternal     = 3   // the tool itself failed, e.g. an output file cannot be written
	ExitInterrupted  = 130 // SIGINT/SIGTERM
)

// UsageError is a mistake in the command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ConfigError carries diagnostics that were already printed.
type ConfigError struct{ Diags config.Diagnostics }

func (e *ConfigError) Error() string { return "invalid configuration: " + e.Diags.Error() }

// ChecksFailedError means the report already told the user; print nothing.
type ChecksFailedError struct{}

func (ChecksFailedError) Error() string { return "checks failed" }

// InterruptedError means the run was stopped by a signal.
type InterruptedError struct{}

func (InterruptedError) Error() string { return "interrupted" }

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ue *UsageError
	var ce *ConfigError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), errors.As(err, &ce):
		return ExitUsage
	case errors.As(err, new(ChecksFailedError)):
		return ExitChecksFailed
	case errors.As(err, new(InterruptedError)):
		return ExitInterrupted
	}
	return ExitInternal
}
