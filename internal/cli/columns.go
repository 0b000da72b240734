package cli

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// columnGap separates the columns of a listing.
const columnGap = 2

// minWrapped is the narrowest a wrapped column gets, however small the
// terminal.
const minWrapped = 16

// columns lays rows out as aligned columns within width (0: no limit).
// The first columns keep their width (IDs are never broken); when the
// rows are too wide, the last two share what is left, each wrapped at
// spaces, the longer one getting more. If even that does not fit, the
// column droppable (an index, or -1) is left out.
func columns(rows [][]string, width, droppable int) string {
	if len(rows) == 0 {
		return ""
	}
	if width > 0 && droppable >= 0 && droppable < len(rows[0])-2 && fixedWidth(rows)+2*minWrapped > width {
		kept := make([][]string, len(rows))
		for i, r := range rows {
			kept[i] = append(append([]string(nil), r[:droppable]...), r[droppable+1:]...)
		}
		rows = kept
	}
	n := len(rows[0])
	w := make([]int, n)
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], lipgloss.Width(c))
		}
	}
	total := (n - 1) * columnGap
	for _, x := range w {
		total += x
	}
	if width > 0 && total > width && n >= 2 {
		avail := max(width-fixedWidth(rows), 2*minWrapped)
		a, b := w[n-2], w[n-1]
		// Proportional to their natural widths, never below minWrapped
		// unless the column is narrower than that anyway.
		nb := min(b, minWrapped)
		na := min(max(min(a, avail*a/(a+b)), min(a, minWrapped)), avail-nb)
		w[n-2], w[n-1] = na, max(avail-na, nb)
	}
	var out strings.Builder
	for _, r := range rows {
		cells := make([][]string, n)
		height := 1
		for i, c := range r {
			cells[i] = wrapText(c, w[i])
			height = max(height, len(cells[i]))
		}
		for l := 0; l < height; l++ {
			var line strings.Builder
			for i := range n {
				text := ""
				if l < len(cells[i]) {
					text = cells[i][l]
				}
				line.WriteString(text)
				if i < n-1 {
					line.WriteString(strings.Repeat(" ", w[i]-lipgloss.Width(text)+columnGap))
				}
			}
			out.WriteString(strings.TrimRight(line.String(), " "))
			out.WriteString("\n")
		}
	}
	return out.String()
}

// fixedWidth is the width of every column but the last two, with the gaps.
func fixedWidth(rows [][]string) int {
	n := len(rows[0])
	w := (n - 1) * columnGap
	for i := 0; i < n-2; i++ {
		col := 0
		for _, r := range rows {
			col = max(col, lipgloss.Width(r[i]))
		}
		w += col
	}
	return w
}

// wrapText breaks s at spaces into lines of at most width columns; a word
// longer than that is cut.
func wrapText(s string, width int) []string {
	if lipgloss.Width(s) <= width {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for lipgloss.Width(word) > width {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			r := []rune(word)
			lines = append(lines, string(r[:width]))
			word = string(r[width:])
		}
		switch {
		case line == "":
			line = word
		case lipgloss.Width(line)+1+lipgloss.Width(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
