package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// TestLogEscapesControlCharactersAndScrubs: a server chooses some of the
// text we log; every record is one line, with no byte that drives a
// terminal and no configured secret, in its message and in every
// attribute, nested ones included.
func TestLogEscapesControlCharactersAndScrubs(t *testing.T) {
	const pw = "log-secret-value-42"
	var buf bytes.Buffer
	l := newLogger(&buf, true, secret.NewScrubber(secret.New(pw)))
	evil := "title\x1b]0;PWNED\a\x1b[2J\u202ereversed\r\nnext " + pw
	l.With("ctx", evil).WithGroup("grp\x1b").Debug(evil, "attr", evil, "err", errors.New(evil), "any", []string{evil})
	out := buf.String()
	if strings.Count(out, "\n") != 1 {
		t.Errorf("one record must be one line:\n%s", out)
	}
	for _, bad := range []string{pw, "\x1b", "\a", "\u202e", "\r", `\u001b`} {
		if strings.Contains(out, bad) {
			t.Errorf("the record holds %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\\x1b]0;PWNED`) {
		t.Errorf("escape sequences should be shown escaped:\n%s", out)
	}
}
