package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/docs"
)

// runTTY runs Main with stdout on a terminal of the given width.
func runTTY(t *testing.T, env map[string]string, width int, args ...string) (int, string, string) {
	t.Helper()
	ts := newTestStreams(env)
	ts.StdoutTTY, ts.Width = true, width
	code := Main(context.Background(), ts.Streams, BuildInfo{Version: "test"}, args)
	return code, ts.out.String(), ts.err.String()
}

// TestExplainAcceptsSharedPages: the docUrl of storage.bucket.* and
// queue.sqs.* names a page shared by the family; explain used to refuse
// that name. Piped, the page is printed as it is published.
func TestExplainAcceptsSharedPages(t *testing.T) {
	for name, page := range map[string]string{
		"storage.bucket": "storage.bucket", "queue.sqs": "queue.sqs",
		"storage.bucket.states": "storage.bucket", "queue.sqs.dlq": "queue.sqs", "postgres.connect": "postgres.connect",
	} {
		want, err := docs.CheckPage(page)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, nil, "explain", name)
		if code != ExitOK || out != string(want) {
			t.Errorf("explain %s: exit %d, stderr %q; want the page %s unchanged", name, code, errOut, page)
		}
	}
	if code, _, errOut := run(t, nil, "explain", "storage.buckets"); code != ExitUsage || !strings.Contains(errOut, `did you mean "storage.bucket"`) {
		t.Errorf("a typo: exit %d, %s", code, errOut)
	}
}

// TestExplainRendersOnATerminal: on a terminal the page is rendered
// instead of shown as Markdown source, in colour unless NO_COLOR or
// --color never; --color always wins over NO_COLOR.
func TestExplainRendersOnATerminal(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string
		flags  []string
		colour bool
	}{
		{"auto", nil, nil, true},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, nil, false},
		{"never", nil, []string{"--color", "never"}, false},
		{"always beats NO_COLOR", map[string]string{"NO_COLOR": "1"}, []string{"--color", "always"}, true},
	}
	for _, c := range cases {
		code, out, errOut := runTTY(t, c.env, 90, append([]string{"explain", "storage.bucket"}, c.flags...)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errOut)
		}
		plain := stripANSI(out)
		for _, raw := range []string{"**Group:**", "\n## ", "|---|", "`OBJECT_STORAGE_TYPE`"} {
			if strings.Contains(plain, raw) {
				t.Errorf("%s: raw Markdown %q on a terminal", c.name, raw)
			}
		}
		if !strings.Contains(plain, "Why Spacelift needs it") || !strings.Contains(plain, "Group: storage") {
			t.Errorf("%s: the page's text is missing:\n%s", c.name, plain)
		}
		if got := strings.Contains(out, "\x1b["); got != c.colour {
			t.Errorf("%s: colour %v, want %v", c.name, got, c.colour)
		}
		for _, l := range strings.Split(plain, "\n") {
			// A single word longer than the line (a source path) keeps a
			// line of its own, unbroken, so it can be copied.
			oneWord := len(strings.Fields(strings.TrimLeft(l, " •-*0123456789."))) == 1
			if n := len([]rune(l)); n > 90 && !strings.HasPrefix(l, "    ") && !oneWord {
				t.Errorf("%s: line wider than the terminal (%d): %q", c.name, n, l)
			}
		}
	}
	if code, _, errOut := run(t, nil, "explain", "storage.bucket", "--color", "sometimes"); code != ExitUsage || !strings.Contains(errOut, "--color") {
		t.Errorf("a bad --color: exit %d %s", code, errOut)
	}
}

// TestColorFlagWinsOverNoColor: no-color.org: NO_COLOR sets the default,
// an explicit --color always overrides it.
func TestColorFlagWinsOverNoColor(t *testing.T) {
	s := &Streams{Env: map[string]string{"NO_COLOR": "1"}}
	if !s.colorFor(false, "always") || s.colorFor(true, "auto") || s.colorFor(true, "never") {
		t.Error("colorFor: --color always must win over NO_COLOR, and auto must honour it")
	}
	code, out, _ := runTTY(t, map[string]string{"NO_COLOR": "1"}, 100, "check", "--env-file", example("valid.env"), "--only", "config.*", "--color", "always")
	if code != ExitOK || !strings.Contains(out, "\x1b[") {
		t.Errorf("check --color always with NO_COLOR: exit %d, no colour:\n%s", code, out)
	}
	_, out, _ = runTTY(t, map[string]string{"NO_COLOR": "1"}, 100, "check", "--env-file", example("valid.env"), "--only", "config.*")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR without --color: colour on a terminal:\n%s", out)
	}
}

// stripANSI removes SGR sequences.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
