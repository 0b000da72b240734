package cli

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// TestChecksFitsTheTerminal: the listing used to be 233 columns wide. On
// a terminal it fits the width, wrapping ENABLED and TITLE (and leaving
// out GROUP when narrow); every ID stays whole. Piped without COLUMNS,
// each check keeps one line, for grep.
func TestChecksFitsTheTerminal(t *testing.T) {
	_, js, _ := run(t, nil, "checks", "-o", "json")
	for _, width := range []int{100, 80} {
		code, out, errOut := runTTY(t, nil, width, "checks", "--env-file", example("valid.env"))
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := lipgloss.Width(l); w > width {
				t.Errorf("width %d: a line of %d columns: %q", width, w, l)
			}
		}
		for _, id := range []string{"config.required", "storage.bucket.user-uploaded-workspaces", "queue.sqs.events-inbox", "server.health"} {
			if !strings.Contains(out, "\n"+id+" ") {
				t.Errorf("width %d: %s is not whole at the start of a line:\n%s", width, id, out)
			}
		}
		header, _, _ := strings.Cut(out, "\n")
		if hasGroup := strings.Contains(header, "GROUP"); hasGroup != (width == 100) {
			t.Errorf("width %d: header %q; GROUP is left out only when too narrow", width, header)
		}
	}
	_, piped, _ := run(t, nil, "checks")
	if got, want := strings.Count(piped, "\n"), strings.Count(js, `"id":`)+1; got != want {
		t.Errorf("piped: %d lines, want one per check and a header (%d)", got, want)
	}
	if _, js2, _ := runTTY(t, nil, 60, "checks", "-o", "json"); js2 != js {
		t.Error("the terminal width changed the JSON")
	}
}
