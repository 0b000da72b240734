package mdterm

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

const page = "# db.connect — The database accepts the connection\n\n" +
	"**Group:** db · **Enabled:** when `DATABASE_URL` is set · see [the docs](https://example.com/db)\n\n" +
	"## What it checks\n" +
	"A paragraph that is long enough to be wrapped at the width of the terminal, with `inline code` and **bold** words,\n" +
	"continued on a second source line.\n\n" +
	"1. First step, `SELECT 1`.\n" +
	"2. Second step with a long explanation that has to wrap onto the next line to fit the width given.\n" +
	"   It continues here.\n\n" +
	"- a bullet\n" +
	"  - a nested bullet\n\n" +
	"### Verdicts\n" +
	"| Status | When |\n|---|---|\n| pass | it connected \\| quickly |\n| fail | the connection was refused for a definite reason that takes more room than one line |\n\n" +
	"```sql\nSELECT version();   -- indented, never wrapped\n```\n\n" +
	"> A quoted note.\n"

func render(t *testing.T, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, []byte(page), o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPlainRendering: without colour, the page reads as text: headings
// underlined, Markdown syntax gone, lists, tables and code laid out, every
// line within the width.
func TestPlainRendering(t *testing.T) {
	out := render(t, Options{Width: 60})
	if strings.Contains(out, "\x1b[") {
		t.Fatalf("plain output has ANSI escapes:\n%s", out)
	}
	for _, want := range []string{
		"db.connect — The database accepts the connection\n" + strings.Repeat("=", 48) + "\n",
		"What it checks\n--------------\n",
		"Group: db · Enabled: when DATABASE_URL is set · see the docs\n(https://example.com/db)",
		"  1. First step, SELECT 1.\n",
		"  • a bullet\n    • a nested bullet\n",
		"the width given. It continues",
		"| pass   | it connected | quickly",
		"    SELECT version();   -- indented, never wrapped\n",
		"  │ A quoted note.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, raw := range []string{"**", "`", "|---|", "```", "## ", "](", "\\|"} {
		if strings.Contains(out, raw) {
			t.Errorf("Markdown syntax %q left in the output:\n%s", raw, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if w := lipgloss.Width(l); w > 60 {
			t.Errorf("line wider than 60 (%d): %q", w, l)
		}
	}
	// A wrapped list item hangs under its text.
	if !strings.Contains(out, "\n     ") {
		t.Errorf("no hanging indent:\n%s", out)
	}
}

// TestColourOnlyWhenAsked: styles appear with Color and never without.
func TestColourOnlyWhenAsked(t *testing.T) {
	out := render(t, Options{Width: 80, Color: true})
	for _, want := range []string{"\x1b[1;35mdb.connect", "\x1b[33mDATABASE_URL\x1b[0m", "\x1b[1mGroup:\x1b[0m"} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured output lacks %q:\n%q", want, out)
		}
	}
}
