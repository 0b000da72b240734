package config

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseDotenv reads KEY=VALUE lines (optionally prefixed by "export"),
// with # comments and single- or double-quoted values, as docker and
// systemd write them. Every malformed line is reported; none stops the parse.
func parseDotenv(file string, data []byte, fn func(name, value string, line int), ds *Diagnostics) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20) // an RSA key line can be long
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		trimmed = strings.TrimPrefix(trimmed, "export ")
		pos := Source{Kind: FromEnvFile, File: file, Line: lineNo}
		eq := strings.IndexByte(trimmed, '=')
		if eq <= 0 {
			ds.errorf(pos, "", "write one NAME=value per line", "not a NAME=value line")
			continue
		}
		name := strings.TrimSpace(trimmed[:eq])
		if !envNameRe.MatchString(name) {
			ds.errorf(pos, name, "names are letters, digits and underscores", "invalid variable name")
			continue
		}
		raw := strings.TrimSpace(trimmed[eq+1:])
		val, err := unquoteEnv(raw)
		if err != nil {
			ds.errorf(pos, name, "close the quote on the same line, or remove it", "%v", err)
			continue
		}
		fn(name, val, lineNo)
	}
	if err := sc.Err(); err != nil {
		ds.errorf(Source{Kind: FromEnvFile, File: file, Line: lineNo + 1}, "", "", "cannot read: %v", err)
	}
}

func unquoteEnv(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		end := strings.LastIndexByte(raw, '"')
		if end == 0 {
			return "", fmt.Errorf("unterminated double quote")
		}
		v, err := strconv.Unquote(raw[:end+1])
		if err != nil {
			// Not a Go-style escape sequence: take the text between quotes.
			return raw[1:end], nil
		}
		return v, nil
	case '\'':
		end := strings.LastIndexByte(raw, '\'')
		if end == 0 {
			return "", fmt.Errorf("unterminated single quote")
		}
		return raw[1:end], nil
	}
	// An unquoted value ends at " #" (an inline comment).
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = strings.TrimSpace(raw[:i])
	}
	return raw, nil
}
