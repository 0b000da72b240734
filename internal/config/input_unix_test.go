//go:build unix

package config

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestReadInputRefusesAFIFO: a FIFO (what process substitution <(cmd)
// passes) is refused without being opened: opening it would block until a
// writer comes, and it could never be size-checked.
func TestReadInputRefusesAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "secret.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		testsvc.SkipUnlessRequired(t, "mkfifo: %v", err)
	}
	_, err := ReadInput(fifo, 0)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.HasPrefix(ie.Problem, "is a pipe") || !strings.Contains(ie.Hint, "write it to a file first") {
		t.Errorf("FIFO: %v", err)
	}
}
