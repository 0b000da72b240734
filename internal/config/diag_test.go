package config

import (
	"strings"
	"testing"
)

// TestDiagnosticsEscapeControlCharacters: a file name or a YAML key that
// holds a terminal escape sequence (retitle the window, clear the screen)
// reaches the terminal escaped.
func TestDiagnosticsEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "evil\x1b]0;PWNED\a.yaml", "server:\n  \"dom\\e]0;PWNED\\a\\e[2J\": x\n")
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: p, Env: map[string]string{}})
	if len(ds) == 0 {
		t.Fatal("want a diagnostic for the unknown key")
	}
	for _, out := range []string{diagLines(ds), ds.Error()} {
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("raw control characters in:\n%q", out)
		}
		for _, want := range []string{`evil\x1b]0;PWNED\x07.yaml:2:3`, `server.dom\x1b]0;PWNED\x07\x1b[2J: unknown key`} {
			if !strings.Contains(out, want) {
				t.Errorf("%q lacks %q", out, want)
			}
		}
	}
	// A hint built from the input is escaped too.
	d := Diagnostics{{Severity: SevError, Key: "k", Summary: "s", Hint: "did you mean \"a\x1b[2Jb\"?"}}
	if out := diagLines(d); strings.Contains(out, "\x1b") || !strings.Contains(out, `a\x1b[2Jb`) {
		t.Errorf("hint not escaped: %q", out)
	}
}
