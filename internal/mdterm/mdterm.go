// Package mdterm renders the Markdown of the check pages for a terminal:
// headings, paragraphs and lists wrapped to the width, tables drawn, code
// blocks indented, and inline code, bold and links styled. It knows the
// subset of Markdown the pages use (CommonMark's common blocks, GitHub
// tables); anything else is printed as text. Colour is the caller's
// decision, made once for the writer (never a process-wide setting).
package mdterm

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/muesli/termenv"
)

// Options say how to render.
type Options struct {
	// Color allows ANSI styles; without it the output is plain text with
	// headings underlined.
	Color bool
	// Width is the terminal's width; 0 means 80.
	Width int
}

// Render writes src, Markdown, rendered for a terminal.
func Render(w io.Writer, src []byte, o Options) error {
	if o.Width <= 0 {
		o.Width = 80
	}
	r := newRenderer(w, o)
	var b strings.Builder
	for i, blk := range parseBlocks(string(src)) {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(r.block(blk))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type renderer struct {
	o                                     Options
	re                                    *lipgloss.Renderer
	h1, h2, h3, code, bold, link, rule, q lipgloss.Style
}

func newRenderer(w io.Writer, o Options) *renderer {
	re := lipgloss.NewRenderer(w)
	if o.Color {
		re.SetColorProfile(termenv.ANSI256)
	} else {
		re.SetColorProfile(termenv.Ascii)
	}
	st := re.NewStyle
	return &renderer{o: o, re: re,
		h1:   st().Bold(true).Foreground(lipgloss.Color("5")),
		h2:   st().Bold(true).Foreground(lipgloss.Color("5")),
		h3:   st().Bold(true),
		code: st().Foreground(lipgloss.Color("3")),
		bold: st().Bold(true),
		link: st().Underline(true),
		rule: st().Foreground(lipgloss.Color("240")),
		q:    st().Foreground(lipgloss.Color("245")),
	}
}

func (r *renderer) block(b block) string {
	switch b.kind {
	case heading:
		return r.heading(b)
	case list:
		return r.list(b)
	case codeBlock:
		var out strings.Builder
		for _, l := range b.lines {
			out.WriteString("    " + r.code.Render(l) + "\n")
		}
		return out.String()
	case tableBlock:
		return r.table(b)
	case quote:
		return r.wrap(inline(strings.Join(b.lines, " ")), "  │ ", "  │ ")
	case ruleBlock:
		return r.rule.Render(strings.Repeat("─", min(r.o.Width, 40))) + "\n"
	}
	return r.wrap(inline(strings.Join(b.lines, " ")), "", "")
}

func (r *renderer) heading(b block) string {
	text := r.plain(inline(b.lines[0]))
	if !r.o.Color {
		switch b.level {
		case 1:
			return text + "\n" + strings.Repeat("=", lipgloss.Width(text)) + "\n"
		case 2:
			return text + "\n" + strings.Repeat("-", lipgloss.Width(text)) + "\n"
		}
		return text + "\n"
	}
	switch b.level {
	case 1:
		return r.h1.Render(text) + "\n" + r.rule.Render(strings.Repeat("─", min(lipgloss.Width(text), r.o.Width))) + "\n"
	case 2:
		return r.h2.Render(text) + "\n"
	}
	return r.h3.Render(text) + "\n"
}

// list writes each item with its marker and a hanging indent; nested
// items (indented in the source) are indented further.
func (r *renderer) list(b block) string {
	var out strings.Builder
	for _, it := range b.items {
		pad := strings.Repeat("  ", it.depth+1)
		marker := it.marker
		if marker == "-" || marker == "*" || marker == "+" {
			marker = "•"
		}
		first := pad + marker + " "
		out.WriteString(r.wrap(inline(it.text), first, strings.Repeat(" ", lipgloss.Width(first))))
	}
	return out.String()
}

func (r *renderer) table(b block) string {
	if len(b.rows) == 0 {
		return ""
	}
	border := lipgloss.NormalBorder()
	if !r.o.Color {
		border = lipgloss.ASCIIBorder()
	}
	t := table.New().Border(border).BorderStyle(r.rule).Wrap(true)
	t.Headers(r.cells(b.rows[0])...)
	for _, row := range b.rows[1:] {
		t.Row(r.cells(row)...)
	}
	t.StyleFunc(func(row, _ int) lipgloss.Style {
		st := r.re.NewStyle().Padding(0, 1)
		if row == table.HeaderRow {
			return st.Bold(true)
		}
		return st
	})
	out := t.Render()
	if lipgloss.Width(out) > r.o.Width {
		out = t.Width(r.o.Width).Render()
	}
	return out + "\n"
}

func (r *renderer) cells(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = r.styled(inline(c))
	}
	return out
}

// span is a run of inline text with one style.
type span struct {
	text string
	kind spanKind
}

type spanKind int

const (
	textSpan spanKind = iota
	codeSpan
	boldSpan
	linkSpan
	urlSpan
)

var inlineRe = lazy("`([^`]+)`|\\*\\*([^*]+)\\*\\*|__([^_]+)__|\\[([^\\]]+)\\]\\(([^)\\s]+)\\)")

// inline splits Markdown inline text into styled spans: `code`,
// **bold**, [text](url); backslash escapes are resolved.
func inline(s string) []span {
	var out []span
	for {
		m := inlineRe().FindStringSubmatchIndex(s)
		if m == nil {
			break
		}
		if m[0] > 0 {
			out = append(out, span{unescape(s[:m[0]]), textSpan})
		}
		switch {
		case m[2] >= 0:
			out = append(out, span{s[m[2]:m[3]], codeSpan})
		case m[4] >= 0:
			out = append(out, span{unescape(s[m[4]:m[5]]), boldSpan})
		case m[6] >= 0:
			out = append(out, span{unescape(s[m[6]:m[7]]), boldSpan})
		default:
			text, url := unescape(s[m[8]:m[9]]), s[m[10]:m[11]]
			out = append(out, span{text, linkSpan})
			if url != text && !strings.HasPrefix(url, "#") {
				out = append(out, span{" (" + url + ")", urlSpan})
			}
		}
		s = s[m[1]:]
	}
	if s != "" {
		out = append(out, span{unescape(s), textSpan})
	}
	return out
}

var escapeRe = lazy(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|<>])`)

func unescape(s string) string { return escapeRe().ReplaceAllString(s, "$1") }

func (r *renderer) style(k spanKind) *lipgloss.Style {
	switch k {
	case codeSpan:
		return &r.code
	case boldSpan:
		return &r.bold
	case linkSpan:
		return &r.link
	case urlSpan:
		return &r.q
	}
	return nil
}

func (r *renderer) plain(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.text)
	}
	return b.String()
}

func (r *renderer) styled(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if st := r.style(s.kind); st != nil && r.o.Color {
			b.WriteString(st.Render(s.text))
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}

// wrap lays spans out in lines of at most the width, breaking at spaces:
// first prefixes the first line, rest the others. Text glued to a word
// ("`code`," or "(**bold**)") moves with it; a word longer than a line
// gets a line of its own.
func (r *renderer) wrap(spans []span, first, rest string) string {
	type word struct {
		styled string
		width  int
	}
	var words []word
	space := true // whitespace precedes the next piece
	for _, s := range spans {
		fields := strings.Fields(s.text)
		// A code span (a command, a variable=value) stays on one line
		// when it fits, so it can be copied.
		if s.kind == codeSpan && len(fields) > 1 && lipgloss.Width(s.text) <= r.o.Width-lipgloss.Width(rest) {
			fields = []string{strings.Join(fields, " ")}
		}
		leading := strings.TrimLeft(s.text, " \t") != s.text
		for i, f := range fields {
			styled := f
			if st := r.style(s.kind); st != nil && r.o.Color {
				styled = st.Render(f)
			}
			if i == 0 && !space && !leading && len(words) > 0 {
				last := &words[len(words)-1]
				last.styled += styled
				last.width += lipgloss.Width(f)
				continue
			}
			words = append(words, word{styled, lipgloss.Width(f)})
		}
		switch {
		case len(fields) > 0:
			space = strings.TrimRight(s.text, " \t") != s.text
		case s.text != "":
			space = true
		}
	}
	var b strings.Builder
	line, width := first, lipgloss.Width(first)
	empty := true
	for _, w := range words {
		switch {
		case empty:
			line += w.styled
			width += w.width
			empty = false
		case width+1+w.width > r.o.Width:
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line, width = rest+w.styled, lipgloss.Width(rest)+w.width
		default:
			line += " " + w.styled
			width += 1 + w.width
		}
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	return b.String()
}
