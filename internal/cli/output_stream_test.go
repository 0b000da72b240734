//go:build unix

package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A report sent to a pipe (what /dev/stderr is in a container) is written
// into it, and the pipe is left in place rather than renamed over.
func TestOutputToPipeIsWrittenInPlace(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "report.pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	code, stdout, stderr := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "table", "-o", "json="+fifo)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "config.required") {
		t.Errorf("the table is missing from stdout:\n%s", stdout)
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
	report := <-got
	if !strings.HasPrefix(strings.TrimSpace(report), "{") || !strings.Contains(report, `"config.required"`) {
		t.Errorf("the pipe did not receive the JSON report:\n%s", report)
	}
}
