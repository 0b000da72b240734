package safetext

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want, line string }{
		{"plain text", "plain text", "plain text"},
		{"two\nlines\tand tab", "two\nlines\tand tab", `two\nlines\tand tab`},
		{"FOO\x1b]0;PWNED\a\x1b[2J=1", `FOO\x1b]0;PWNED\x07\x1b[2J=1`, `FOO\x1b]0;PWNED\x07\x1b[2J=1`},
		{"over\rwrite", `over\rwrite`, `over\rwrite`},
		{"\x7fELF\x02\x01", `\x7fELF\x02\x01`, `\x7fELF\x02\x01`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`, `bad \xff\xfe utf8`},
		{"c1 \u0085 and bidi \u202e", `c1 \u0085 and bidi \u202e`, `c1 \u0085 and bidi \u202e`},
		{"ünïcödé ✔", "ünïcödé ✔", "ünïcödé ✔"},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := EscapeLine(c.in); got != c.line {
			t.Errorf("EscapeLine(%q) = %q, want %q", c.in, got, c.line)
		}
	}
}
