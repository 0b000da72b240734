package config

import (
	"strings"
	"testing"
)

// TestYAMLDiagnosticsNeverQuoteValues: the YAML loader says what is wrong
// and where; it never repeats a value (yaml.v3's own messages included),
// and keys, which it does print, are escaped.
func TestYAMLDiagnosticsNeverQuoteValues(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"a secret written as a mapping", "database:\n  url: {password: " + canary + "}\n",
			"error: c.yaml:2:8: database.url: expected a string, got a mapping"},
		{"a secret written as a list", "database:\n  url: [" + canary + "]\n",
			"error: c.yaml:2:8: database.url: expected a string, got a list"},
		{"an unknown anchor", "database:\n  url: *" + canary + "\n",
			"error: c.yaml: unknown anchor referenced"},
		{"a syntax error after a secret", "database:\n  url: \"" + canary + "\n",
			"error: c.yaml:2: found unexpected end of stream"},
		{"a secret pasted as a key", "database:\n  " + canary + "\x1b[2J: x\n",
			"error: c.yaml:2:16: control characters are not allowed"},
		{"an escaped key", "\"server\\e]0;x\\a\": 1\n",
			`error: c.yaml:1:1: server\x1b]0;x\x07: unknown key`},
		{"binary data", "\x7fELF\x02\x01\x01\x00" + canary,
			"error: c.yaml:1:1: control characters are not allowed"},
		{"invalid UTF-8", "server:\n  domain: a\xff" + canary + "\n",
			"error: c.yaml:2:12: invalid leading UTF-8 octet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := loadYAML(t, c.body)
			out := diagLines(ds)
			if !strings.Contains(out, c.want) {
				t.Errorf("diagnostics lack %q:\n%q", c.want, out)
			}
			if strings.Contains(out, canary) || strings.ContainsAny(out, "\x1b\a\x00\x7f") {
				t.Errorf("a value came back:\n%q", out)
			}
		})
	}
}
