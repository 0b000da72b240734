//go:build unix

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestFIFOInputsExit2: a FIFO (what `--k8s-secret <(kubectl …)` passes) is
// refused without being opened, which would block with no writer, and the
// hint says to write it to a file.
func TestFIFOInputsExit2(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "secret.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		testsvc.SkipUnlessRequired(t, "mkfifo: %v", err)
	}
	for _, args := range [][]string{
		{"config", "validate", "--k8s-secret", fifo},
		{"config", "validate", "--env-file", fifo},
		{"check", "-c", fifo},
		{"bundle", "--results", fifo, "-o", filepath.Join(dir, "b.tar.gz")},
	} {
		code, _, stderr := run(t, nil, args...)
		if code != ExitUsage || !strings.Contains(stderr, "is a pipe (a FIFO, or process substitution such as <(kubectl …)), not a regular file") ||
			!strings.Contains(stderr, "write it to a file first") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
		noCrash(t, stderr)
	}
}
