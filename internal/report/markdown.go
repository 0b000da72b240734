package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// Markdown writes a summary and one table, for $GITHUB_STEP_SUMMARY and
// merge-request comments.
func Markdown(w io.Writer, r Report, _ Options) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s spacectl-preflight: %s\n\n", emoji(r.Summary.Status), r.Summary.Status)
	fmt.Fprintf(&b, "%s in %s", summaryLine(r.Summary), humanDuration(r.Duration))
	if r.Interrupted {
		b.WriteString(" — **interrupted**")
	}
	b.WriteString("\n\n| Status | Check | Result | How to fix |\n|---|---|---|---|\n")
	groups, hidden := r.Shown()
	shown := map[string]bool{}
	for _, g := range groups {
		shown[g.Name] = true
	}
	for _, e := range r.Results {
		if shown[e.Group] {
			writeMarkdownRow(&b, e)
		}
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "\n_%s_\n", hiddenLine(hidden))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownRow writes one check's table row.
func writeMarkdownRow(b *strings.Builder, e Entry) {
	result, advice := mdCell(e.Message), ""
	if n := e.PrerequisiteNote(); n != "" {
		result += "<br>_" + mdCell(n) + "_"
	}
	if e.Status != checks.Pass && e.Status != checks.Skip {
		// The steps go under the message, indented; their advice is
		// all in the check's, in the next column.
		for _, s := range e.Steps {
			result += "<br>&emsp;" + emoji(s.Status) + " " + mdCell(s.Title())
		}
		advice = mdCell(e.Advice)
		if advice != "" {
			advice += "<br>"
		}
		advice += fmt.Sprintf("[docs](%s)", e.DocURL)
	}
	fmt.Fprintf(b, "| %s %s | `%s` | %s | %s |\n", emoji(e.Status), e.Status, e.ID, result, advice)
}

// hiddenLine says how many checks the selection left out of a table.
func hiddenLine(n int) string {
	return fmt.Sprintf("%d %s not selected by --only/--skip: not shown (JSON and JUnit list every check).", n, plural(n, "check", "checks"))
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "<br>")
}

func emoji(s checks.Status) string {
	switch s {
	case checks.Pass:
		return "✅"
	case checks.Warn:
		return "⚠️"
	case checks.Fail:
		return "❌"
	case checks.Error:
		return "💥"
	}
	return "⏭️"
}

func summaryLine(s Summary) string {
	return fmt.Sprintf("%d passed · %d %s · %d failed · %d %s · %d skipped",
		s.Pass, s.Warn, plural(s.Warn, "warning", "warnings"), s.Fail, s.Error, plural(s.Error, "error", "errors"), s.Skip)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
