package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/muesli/termenv"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// Table writes one table per component: status, check ID and what was
// observed, with the advice and details under every row that did not pass,
// then a summary line.
func Table(w io.Writer, r Report, o Options) error {
	width := o.Width
	if width <= 0 {
		width = 100
	}
	// The renderer is bound to this writer with a profile decided by the
	// caller, so colour is never a process-global setting.
	re := lipgloss.NewRenderer(w)
	if o.Color {
		re.SetColorProfile(termenv.ANSI256)
	} else {
		re.SetColorProfile(termenv.Ascii)
	}
	border := lipgloss.ASCIIBorder()
	if o.TTY {
		border = lipgloss.RoundedBorder()
	}
	var b strings.Builder
	groups, hidden := r.Shown()
	for _, g := range groups {
		b.WriteString(re.NewStyle().Bold(true).Render(g.Title))
		b.WriteString("\n")
		t := table.New().Border(border).BorderStyle(re.NewStyle().Foreground(lipgloss.Color("240"))).
			Headers("STATUS", "CHECK", "RESULT").Wrap(true)
		statuses := make([]checks.Status, 0, len(g.Entries))
		for _, e := range collapseSkips(g.Entries) {
			t.Row(badge(e.Status, o.TTY), e.ID, cell(e, o.TTY))
			statuses = append(statuses, e.Status)
		}
		t.StyleFunc(func(row, col int) lipgloss.Style {
			st := re.NewStyle().Padding(0, 1)
			if row == table.HeaderRow {
				return st.Bold(true)
			}
			if col == 0 && row >= 0 && row < len(statuses) {
				return st.Foreground(statusColor(statuses[row])).Bold(true)
			}
			return st
		})
		// A fixed Width makes lipgloss stretch short tables to the full
		// width; constrain only a table that would overflow.
		out := t.Render()
		if lipgloss.Width(out) > width {
			out = t.Width(width).Render()
		}
		b.WriteString(out)
		b.WriteString("\n\n")
	}
	if hidden > 0 {
		b.WriteString(re.NewStyle().Faint(true).Render(hiddenLine(hidden)))
		b.WriteString("\n")
	}
	status := strings.ToUpper(r.Summary.Status.String())
	line := fmt.Sprintf("%s: %s in %s", status, summaryLine(r.Summary), humanDuration(r.Duration))
	if r.Interrupted {
		line += " (interrupted: results are incomplete)"
	}
	b.WriteString(re.NewStyle().Bold(true).Foreground(statusColor(r.Summary.Status)).Render(line))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// cell is a row's RESULT: the message, and for a check that did not pass
// its steps as a tree, the fix, the details and where to read more. A
// passing check stays one line.
func cell(e Entry, tty bool) string {
	var b strings.Builder
	b.WriteString(e.Message)
	if n := e.PrerequisiteNote(); n != "" {
		b.WriteString("\n(" + n + ")")
	}
	if e.Status == checks.Pass || e.Status == checks.Skip {
		return b.String()
	}
	shown := writeSteps(&b, e, tty)
	if e.Advice != "" && !covered(e.Advice, shown) {
		b.WriteString("\nFix: ")
		b.WriteString(e.Advice)
	}
	for _, kv := range e.Details {
		fmt.Fprintf(&b, "\n  %s: %s", kv.Key, kv.Value)
	}
	// The full URL wraps badly in a narrow cell; the page ships in the binary.
	b.WriteString("\nMore: spacectl-preflight explain ")
	b.WriteString(e.ID)
	return b.String()
}

// writeSteps writes one line per step, indented under the check, with its
// evidence and, when it differs from the check's and was not shown yet,
// its own fix. It returns the advice lines it showed.
func writeSteps(b *strings.Builder, e Entry, tty bool) map[string]bool {
	shown := map[string]bool{}
	for _, s := range e.Steps {
		fmt.Fprintf(b, "\n  %s %s", stepBadge(s.Status, tty), s.Title())
		for _, kv := range s.Evidence {
			fmt.Fprintf(b, "\n      %s: %s", kv.Key, kv.Value)
		}
		if s.Advice == "" || s.Advice == e.Advice || shown[s.Advice] {
			continue
		}
		b.WriteString("\n      Fix: ")
		b.WriteString(s.Advice)
		shown[s.Advice] = true
		for _, l := range strings.Split(s.Advice, "\n") {
			shown[l] = true
		}
	}
	return shown
}

// covered reports whether every line of advice was already shown under a
// step, so the check's own Fix line would only repeat it.
func covered(advice string, shown map[string]bool) bool {
	for _, l := range strings.Split(advice, "\n") {
		if !shown[l] {
			return false
		}
	}
	return true
}

// stepBadge marks a step: a glyph on a terminal, the status name in plain
// output (logs, files, the support bundle).
func stepBadge(s checks.Status, tty bool) string {
	if !tty {
		return strings.ToUpper(s.String())
	}
	return glyph(s)
}

func glyph(s checks.Status) string {
	switch s {
	case checks.Pass:
		return "✔"
	case checks.Warn:
		return "▲"
	case checks.Fail:
		return "✖"
	case checks.Error:
		return "!"
	}
	return "-"
}

func badge(s checks.Status, tty bool) string {
	name := strings.ToUpper(s.String())
	if !tty {
		return name
	}
	return glyph(s) + " " + name
}

func statusColor(s checks.Status) lipgloss.Color {
	switch s {
	case checks.Pass:
		return lipgloss.Color("2")
	case checks.Warn:
		return lipgloss.Color("3")
	case checks.Fail, checks.Error:
		return lipgloss.Color("1")
	}
	return lipgloss.Color("8")
}

// humanDuration keeps sub-millisecond runs from printing as "0s".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// collapseSkips folds a run of skipped checks that share one reason (the
// eight SQS queues when the queue is PostgreSQL) into one row, so the table
// shows what matters at a glance; JSON and JUnit keep every check.
func collapseSkips(es []Entry) []Entry {
	var out []Entry
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[i].Status == checks.Skip && es[j].Status == checks.Skip && es[j].Message == es[i].Message &&
			len(es[i].PrerequisiteOf)+len(es[j].PrerequisiteOf) == 0 {
			j++
		}
		if j-i < 3 {
			out = append(out, es[i:j]...)
			i = j
			continue
		}
		ids := make([]string, 0, j-i)
		for _, e := range es[i:j] {
			ids = append(ids, e.ID)
		}
		row := es[i]
		row.ID = fmt.Sprintf("%s* (%d checks)", commonPrefix(ids), j-i)
		out = append(out, row)
		i = j
	}
	return out
}

// commonPrefix is the longest dotted prefix the IDs share, with its dot.
func commonPrefix(ids []string) string {
	parts := strings.Split(ids[0], ".")
	n := len(parts) - 1
	for _, id := range ids[1:] {
		p := strings.Split(id, ".")
		k := 0
		for k < n && k < len(p)-1 && p[k] == parts[k] {
			k++
		}
		n = k
	}
	if n == 0 {
		return ""
	}
	return strings.Join(parts[:n], ".") + "."
}
