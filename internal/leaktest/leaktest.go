// Package leaktest lists the pieces of a secret that a leak test must not
// find in any output: the fragments the fail-closed sweep promises to
// catch (docs/support-bundle.md). It computes them on its own, sharing no
// code with internal/secret, so that a bug there cannot hide itself.
package leaktest

import "strings"

// Fragments returns s, every window of 6 consecutive characters of s, and
// every part of at least 4 characters between URL delimiters (@ : / % # ?
// &).
func Fragments(s string) []string {
	out := []string{s}
	for i := 0; i+6 <= len(s); i++ {
		out = append(out, s[i:i+6])
	}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("@:/%#?&", r) }) {
		if len(p) >= 4 {
			out = append(out, p)
		}
	}
	return out
}

// Found returns the first fragment of secret that text contains, or "".
func Found(text, secret string) string {
	for _, f := range Fragments(secret) {
		if strings.Contains(text, f) {
			return f
		}
	}
	return ""
}
