package config

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// maxDiagnosticsPerFile bounds what one file can report: past it, the file
// is almost certainly not an env file, and thousands of lines of errors
// would bury the ones that matter.
const maxDiagnosticsPerFile = 20

// parseDotenv reads KEY=VALUE lines (optionally prefixed by "export"),
// with # comments and single- or double-quoted values, as docker and
// systemd write them. Every malformed line is reported; none stops the
// parse. Lines may be of any length (the file is already size-capped).
//
// A diagnostic says where (file:line:col) and what is wrong, never what the
// line holds: a broken line is often a secret out of place (a value
// wrapped onto the next line, a password pasted on its own), and the
// line's bytes may be escape sequences that drive the terminal.
func parseDotenv(file string, data []byte, fn func(name, value string, line int), ds *Diagnostics) {
	p := dotenvParser{file: file, ds: ds}
	if line, col, ok := nulAt(data); ok {
		p.errorf(line, col, "", "pass a dotenv file: NAME=value lines of text; nothing was read from this one",
			"not a NAME=value line: the file does not look like an env file (it contains binary data)")
		return
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte order mark, as some Windows editors write
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		p.line(lineNo, bytes.TrimSuffix(line, []byte("\r")), fn)
	}
	if p.hidden > 0 {
		ds.errorf(Source{Kind: FromEnvFile, File: file}, "", "fix the problems above and run again; is this an env file?",
			"%d more problems in this file are not shown", p.hidden)
	}
}

type dotenvParser struct {
	file   string
	ds     *Diagnostics
	shown  int
	hidden int
}

func (p *dotenvParser) errorf(line, col int, key, hint, format string, args ...any) {
	if p.shown == maxDiagnosticsPerFile {
		p.hidden++
		return
	}
	p.shown++
	p.ds.errorf(Source{Kind: FromEnvFile, File: p.file, Line: line, Col: col}, key, hint, format, args...)
}

func (p *dotenvParser) line(lineNo int, line []byte, fn func(name, value string, line int)) {
	rest := bytes.TrimSpace(line)
	if len(rest) == 0 || rest[0] == '#' {
		return
	}
	// col is the 1-based column (in characters) where sub starts in line;
	// every slice below is a sub-slice of line, so its offset is the
	// difference of their capacities.
	col := func(sub []byte) int {
		off := cap(line) - cap(sub)
		if off < 0 || off > len(line) {
			off = len(line)
		}
		return utf8.RuneCount(line[:off]) + 1
	}
	indented := col(rest) > 1
	if after, ok := bytes.CutPrefix(rest, []byte("export")); ok && len(after) > 0 && (after[0] == ' ' || after[0] == '\t') {
		rest = bytes.TrimLeft(after, " \t")
	}
	eq := bytes.IndexByte(rest, '=')
	var name []byte
	var bad int // offset in name of its first invalid byte, or -1
	if eq >= 0 {
		name = bytes.TrimRight(rest[:eq], " \t")
		bad = badNameByte(name)
	}
	switch {
	case indented && (eq <= 0 || bad >= 0):
		p.errorf(lineNo, col(rest), "", "put the whole value on one line after NAME=, in quotes if it contains spaces or #",
			"the line starts with spaces and is not NAME=value: a value cannot continue onto the next line")
	case eq < 0:
		p.errorf(lineNo, col(rest), "", "write one NAME=value per line; start comments with #", "not a NAME=value line: it has no `=`")
	case eq == 0:
		p.errorf(lineNo, col(rest), "", "write NAME=value", "the variable name before `=` is missing")
	case bad >= 0:
		p.errorf(lineNo, col(name[bad:]), "", "names are letters, digits and underscores, and do not start with a digit",
			"the variable name %s at column %d", describeBadByte(name, bad), col(name[bad:]))
	default:
		raw := bytes.TrimSpace(rest[eq+1:])
		val, problem := unquoteEnv(raw)
		if problem != "" {
			p.errorf(lineNo, col(raw), string(name), "a value cannot continue onto the next line: close the quote on the same line, or remove it", "%s", problem)
			return
		}
		fn(string(name), val, lineNo)
	}
}

// badNameByte returns the offset of the first byte that cannot be in a
// variable name, or -1 when name is valid ([A-Za-z_][A-Za-z0-9_]*).
func badNameByte(name []byte) int {
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return i
		}
	}
	return -1
}

// describeBadByte says what kind of character name[i] is, without
// printing it.
func describeBadByte(name []byte, i int) string {
	c := name[i]
	switch {
	case c >= '0' && c <= '9':
		return "starts with a digit"
	case c < 0x20 || c == 0x7f:
		return "contains a control character"
	case c == ' ' || c == '\t':
		return "contains a space"
	case c >= 0x80:
		return "contains a non-ASCII character"
	}
	return "contains a character other than a letter, digit or underscore"
}

// nulAt finds the first NUL byte: text never holds one, a binary file (an
// executable, a compressed archive, /dev/urandom's output) nearly always
// does in its first bytes.
func nulAt(data []byte) (line, col int, ok bool) {
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return 0, 0, false
	}
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	return bytes.Count(data[:i], []byte("\n")) + 1, i - start + 1, true
}

// unquoteEnv returns the value, or the problem with its quotes; the
// problem never quotes the value.
func unquoteEnv(raw []byte) (string, string) {
	if len(raw) == 0 {
		return "", ""
	}
	switch raw[0] {
	case '"':
		end := bytes.LastIndexByte(raw, '"')
		if end == 0 {
			return "", "the double quote that starts the value is not closed on this line"
		}
		v, err := strconv.Unquote(string(raw[:end+1]))
		if err != nil {
			// Not a Go-style escape sequence: take the text between quotes.
			return string(raw[1:end]), ""
		}
		return v, ""
	case '\'':
		end := bytes.LastIndexByte(raw, '\'')
		if end == 0 {
			return "", "the single quote that starts the value is not closed on this line"
		}
		return string(raw[1:end]), ""
	}
	// An unquoted value ends at " #" (an inline comment).
	if i := bytes.Index(raw, []byte(" #")); i >= 0 {
		raw = bytes.TrimSpace(raw[:i])
	}
	return string(raw), ""
}
