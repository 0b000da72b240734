package mdterm

import (
	"regexp"
	"strings"
	"sync"
)

type blockKind int

const (
	paragraph blockKind = iota
	heading
	list
	codeBlock
	tableBlock
	quote
	ruleBlock
)

// block is one Markdown block: its lines (paragraph, code, quote), its
// heading level, its list items or its table rows.
type block struct {
	kind  blockKind
	level int
	lines []string
	items []item
	rows  [][]string
}

type item struct {
	depth  int
	marker string
	text   string
}

// The expressions compile on first use, not when a command that renders
// nothing starts.
var (
	headingRe = lazy(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	itemRe    = lazy(`^(\s*)([-*+]|\d+[.)])\s+(.*)$`)
	fenceRe   = lazy("^\\s*(```|~~~)")
	ruleRe    = lazy(`^\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$`)
	tableSep  = lazy(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
)

func lazy(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// parseBlocks splits Markdown into blocks, line by line.
func parseBlocks(src string) []block {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var out []block
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			i++
		case fenceRe().MatchString(l):
			fence := fenceRe().FindStringSubmatch(l)[1]
			var code []string
			i++
			for i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence) {
				code = append(code, strings.TrimRight(lines[i], " \t"))
				i++
			}
			i++ // the closing fence
			out = append(out, block{kind: codeBlock, lines: code})
		case headingRe().MatchString(l):
			m := headingRe().FindStringSubmatch(l)
			out = append(out, block{kind: heading, level: len(m[1]), lines: []string{m[2]}})
			i++
		case ruleRe().MatchString(l):
			out = append(out, block{kind: ruleBlock})
			i++
		case strings.HasPrefix(strings.TrimSpace(l), "|") && i+1 < len(lines) && tableSep().MatchString(lines[i+1]):
			b := block{kind: tableBlock, rows: [][]string{cells(l)}}
			i += 2
			for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|") {
				b.rows = append(b.rows, cells(lines[i]))
				i++
			}
			out = append(out, b)
		case itemRe().MatchString(l):
			b := block{kind: list}
			for i < len(lines) {
				if m := itemRe().FindStringSubmatch(lines[i]); m != nil {
					b.items = append(b.items, item{depth: len(strings.ReplaceAll(m[1], "\t", "  ")) / 2, marker: m[2], text: m[3]})
					i++
					continue
				}
				// A continuation line, indented under its item.
				if t := lines[i]; strings.TrimSpace(t) != "" && (t[0] == ' ' || t[0] == '\t') && !fenceRe().MatchString(t) {
					last := &b.items[len(b.items)-1]
					last.text += " " + strings.TrimSpace(t)
					i++
					continue
				}
				break
			}
			out = append(out, b)
		case strings.HasPrefix(strings.TrimSpace(l), ">"):
			b := block{kind: quote}
			for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), ">") {
				b.lines = append(b.lines, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i]), ">")))
				i++
			}
			out = append(out, b)
		default:
			b := block{kind: paragraph}
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" && !startsBlock(lines, i) {
				b.lines = append(b.lines, strings.TrimSpace(lines[i]))
				i++
			}
			out = append(out, b)
		}
	}
	return out
}

// startsBlock reports whether line i begins a block other than a
// paragraph, which ends the paragraph before it.
func startsBlock(lines []string, i int) bool {
	l := lines[i]
	t := strings.TrimSpace(l)
	return fenceRe().MatchString(l) || headingRe().MatchString(l) || itemRe().MatchString(l) || strings.HasPrefix(t, ">") ||
		(strings.HasPrefix(t, "|") && i+1 < len(lines) && tableSep().MatchString(lines[i+1]))
}

// cells splits a table row at unescaped pipes.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var out []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cur.WriteString(`\|`)
			i++
		case row[i] == '|':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}
