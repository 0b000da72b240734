package secret

import (
	"errors"
	"net/url"
	"strings"
)

// WithoutQuotes returns s with every double-quoted and back-quoted span
// replaced by "…". Parsers quote the input they choke on (`invalid port
// ":w" after host`, `invalid URL escape "%Kx"`); when that input may hold a
// password, what remains still says what is wrong without showing it.
func WithoutQuotes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '"' && c != '`' {
			b.WriteByte(c)
			continue
		}
		end := closingQuote(s, i)
		if end < 0 {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString("…")
		i = end
	}
	return b.String()
}

// closingQuote returns the index of the quote that closes the one at i,
// skipping backslash escapes inside double quotes, or -1.
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case q == '"' && s[j] == '\\':
			j++
		case s[j] == q:
			return j
		}
	}
	return -1
}

// ParseErrorText says what a parser found wrong, without any input it
// quoted: a *url.Error (which quotes the whole URL) becomes its operation
// and the cause with quoted spans removed, and any other error its text
// with quoted spans removed.
func ParseErrorText(err error) string {
	if err == nil {
		return ""
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + WithoutQuotes(ue.Err.Error())
	}
	return WithoutQuotes(err.Error())
}
