package cli

import "github.com/spacelift-io/spacectl-preflight/internal/checks"

func errInterruptedForTest() error { return checks.ErrInterrupted }
