// Package safetext makes text that came from an input file or a server safe
// to print on a terminal, in a log or in a report: control characters
// (escape sequences that retitle or clear a terminal, carriage returns
// that overwrite a line, bells) and invalid UTF-8 become visible escapes.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every control character except newline and tab
// written as an escape (\x1b, \r, \u0085), and every invalid UTF-8 byte as
// \xNN. Text without such characters is returned as it is.
func Escape(s string) string { return escape(s, false) }

// EscapeLine is Escape for one-line contexts: newlines and tabs are
// escaped too.
func EscapeLine(s string) string { return escape(s, true) }

func escape(s string, line bool) string {
	if clean(s, line) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && !line, r == '\t' && !line:
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// C1 controls, line separators and bidirectional overrides,
			// which can reorder what a reader sees.
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func clean(s string, line bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // checked rune by rune in escape
		}
		if c < 0x20 || c == 0x7f {
			if !line && (c == '\n' || c == '\t') {
				continue
			}
			return false
		}
	}
	return true
}
