package config

import (
	"fmt"
	"strings"
	"testing"
)

// canary stands for a secret written where the parser does not expect it.
const canary = "LeakyPassw0rd"

// parseEnvText runs the dotenv parser on body as the file s.env.
func parseEnvText(body string) (map[string]string, Diagnostics) {
	got := map[string]string{}
	var ds Diagnostics
	parseDotenv("s.env", []byte(body), func(name, value string, _ int) { got[name] = value }, &ds)
	return got, ds
}

// TestDotenvDiagnosticsNeverQuoteTheLine: each broken line is located
// (file:line:col) and described, and nothing of the line comes back: not
// a wrapped secret, not an escape sequence that would drive the terminal,
// not an executable's header.
func TestDotenvDiagnosticsNeverQuoteTheLine(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"wrapped value",
			"DATABASE_URL=\n  postgres://spacelift:" + canary + "@127.0.0.1:5432/spacelift?sslmode=require\n",
			"error: s.env:2:3: the line starts with spaces and is not NAME=value: a value cannot continue onto the next line\n" +
				"  hint: put the whole value on one line after NAME=, in quotes if it contains spaces or #\n"},
		{"wrapped value without indentation",
			"DATABASE_URL=\npostgres://spacelift:" + canary + "@127.0.0.1:5432/spacelift?sslmode=require\n",
			"error: s.env:2:9: the variable name contains a character other than a letter, digit or underscore at column 9\n" +
				"  hint: names are letters, digits and underscores, and do not start with a digit\n"},
		{"escape sequences in the name",
			"FOO\x1b]0;PWNED\a\x1b[2J=1\n",
			"error: s.env:1:4: the variable name contains a control character at column 4\n" +
				"  hint: names are letters, digits and underscores, and do not start with a digit\n"},
		{"password on its own line",
			"ADMIN_USERNAME=admin\n" + canary + "\n",
			"error: s.env:2:1: not a NAME=value line: it has no `=`\n" +
				"  hint: write one NAME=value per line; start comments with #\n"},
		{"binary file",
			"\x7fELF\x02\x01\x01\x00\x00" + canary + "\n\x00\x00",
			"error: s.env:1:8: not a NAME=value line: the file does not look like an env file (it contains binary data)\n" +
				"  hint: pass a dotenv file: NAME=value lines of text; nothing was read from this one\n"},
		{"unterminated double quote",
			"# comment\nDATABASE_URL=\"postgres://u:" + canary + "@h/db\n",
			"error: s.env:2:14: DATABASE_URL: the double quote that starts the value is not closed on this line\n" +
				"  hint: a value cannot continue onto the next line: close the quote on the same line, or remove it\n"},
		{"unterminated single quote",
			"export  ADMIN_PASSWORD='" + canary + "\n",
			"error: s.env:1:24: ADMIN_PASSWORD: the single quote that starts the value is not closed on this line\n" +
				"  hint: a value cannot continue onto the next line: close the quote on the same line, or remove it\n"},
		{"missing name",
			"=" + canary + "\n",
			"error: s.env:1:1: the variable name before `=` is missing\n  hint: write NAME=value\n"},
		{"space in the name",
			"MY " + canary + "=x\n",
			"error: s.env:1:3: the variable name contains a space at column 3\n" +
				"  hint: names are letters, digits and underscores, and do not start with a digit\n"},
		{"digit first",
			"1" + canary + "=x\n",
			"error: s.env:1:1: the variable name starts with a digit at column 1\n" +
				"  hint: names are letters, digits and underscores, and do not start with a digit\n"},
		{"non-ASCII in the name, columns in characters",
			"ÉÉ_" + canary + "é=x\n",
			"error: s.env:1:1: the variable name contains a non-ASCII character at column 1\n" +
				"  hint: names are letters, digits and underscores, and do not start with a digit\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := parseEnvText(c.body)
			got := diagLines(ds)
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
			if strings.Contains(got, canary) || strings.ContainsAny(got, "\x1b\a\x00\x7f") {
				t.Errorf("the diagnostic repeats the line:\n%q", got)
			}
		})
	}
}

// TestDotenvValidLines: what the rewrite must keep reading.
func TestDotenvValidLines(t *testing.T) {
	body := "\ufeffSERVER_DOMAIN=a.example.com\r\n" +
		"export\tADMIN_USERNAME=admin\n" +
		"  INDENTED = 'single # not a comment'\n" +
		"QUOTED=\"tab\\there\"\n" +
		"RAW=\"c:\\path\"\n" +
		"EMPTY=\n" +
		"COMMENTED=value # comment\n" +
		"# comment\n\n   \n" +
		"LAST=no-newline"
	got, ds := parseEnvText(body)
	if len(ds) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagLines(ds))
	}
	want := map[string]string{"SERVER_DOMAIN": "a.example.com", "ADMIN_USERNAME": "admin", "INDENTED": "single # not a comment",
		"QUOTED": "tab\there", "RAW": `c:\path`, "EMPTY": "", "COMMENTED": "value", "LAST": "no-newline"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
}

// TestDotenvLinesOfAnyLength: the parser has no line length limit of its
// own (bufio.Scanner stopped at 1 MiB with a bare "token too long"); the
// file's size cap is the only bound.
func TestDotenvLinesOfAnyLength(t *testing.T) {
	long := strings.Repeat("k", 3<<20)
	got, ds := parseEnvText("A=1\nENCRYPTION_RSA_PRIVATE_KEY=" + long + "\nB=2\n" + strings.Repeat("x", 2<<20) + "\n")
	if got["ENCRYPTION_RSA_PRIVATE_KEY"] != long || got["A"] != "1" || got["B"] != "2" {
		t.Errorf("values around a 3 MiB line were not all read: %d %q %q", len(got["ENCRYPTION_RSA_PRIVATE_KEY"]), got["A"], got["B"])
	}
	if want := "error: s.env:4:1: not a NAME=value line: it has no `=`\n  hint: write one NAME=value per line; start comments with #\n"; diagLines(ds) != want {
		t.Errorf("got:\n%s", diagLines(ds))
	}
}

// TestDotenvBoundsItsDiagnostics: a large text file that is not an env
// file reports the first problems and a count, not one error per line.
func TestDotenvBoundsItsDiagnostics(t *testing.T) {
	body := strings.Repeat("this is not an env file\n", 1000)
	_, ds := parseEnvText(body)
	if len(ds) != maxDiagnosticsPerFile+1 {
		t.Fatalf("%d diagnostics", len(ds))
	}
	last := ds[len(ds)-1]
	if want := fmt.Sprintf("%d more problems in this file are not shown", 1000-maxDiagnosticsPerFile); last.Summary != want || last.Pos.File != "s.env" {
		t.Errorf("last diagnostic: %+v", last)
	}
}
