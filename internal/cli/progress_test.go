package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// On a terminal, progress goes to stderr and never into the results.
func TestProgressOnlyOnTTYStderr(t *testing.T) {
	for _, tc := range []struct {
		tty, quiet bool
		want       bool
	}{{true, false, true}, {true, true, false}, {false, false, false}} {
		ts := newTestStreams(nil)
		ts.StderrTTY = tc.tty
		args := []string{"check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "json"}
		if tc.quiet {
			args = append(args, "-q")
		}
		if code := Main(context.Background(), ts.Streams, BuildInfo{Version: "test"}, args); code != ExitOK {
			t.Fatalf("exit %d: %s", code, ts.err.String())
		}
		got := finishedAll(ts.err.String())
		if got != tc.want {
			t.Errorf("tty=%v quiet=%v: progress shown=%v, stderr %q", tc.tty, tc.quiet, got, ts.err.String())
		}
		if strings.Contains(ts.out.String(), "done") || strings.Contains(ts.out.String(), "\x1b") {
			t.Errorf("progress leaked into stdout")
		}
	}
}

// finishedAll reports whether the progress line reached "N/N done"; N is the
// number of registered checks, which grows with every backend.
func finishedAll(stderr string) bool {
	for _, m := range regexp.MustCompile(`(\d+)/(\d+) done`).FindAllStringSubmatch(stderr, -1) {
		if m[1] == m[2] {
			return true
		}
	}
	return false
}
