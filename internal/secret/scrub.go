package secret

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// minScrubLen keeps a one- or two-character secret from turning every
// message into confetti; such values are too short to be real credentials.
const minScrubLen = 3

// userinfoRe matches the password part of scheme://user:password@host. Driver
// errors often echo connection strings, including ones we never configured.
var userinfoRe = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@`)

// dsnPasswordRe matches password=... in key/value connection strings.
var dsnPasswordRe = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|[^\s]+)`)

// Scrubber removes known secret values, in every encoding they commonly
// travel in, from free text such as driver and SDK error messages.
// It is built once per run from the configured secrets; it holds no globals.
type Scrubber struct {
	needles []string
}

// NewScrubber returns a scrubber for the given secrets. Values that are URLs
// or DSNs also contribute their password component, and PEM values contribute
// every line of their body.
func NewScrubber(secrets ...Secret) *Scrubber {
	set := map[string]struct{}{}
	for _, s := range secrets {
		for _, v := range Variants(s.Reveal()) {
			if len(v) >= minScrubLen {
				set[v] = struct{}{}
			}
		}
	}
	needles := make([]string, 0, len(set))
	for v := range set {
		needles = append(needles, v)
	}
	// Longest first, so a URL is replaced whole before its password is.
	sort.Slice(needles, func(i, j int) bool {
		if len(needles[i]) != len(needles[j]) {
			return len(needles[i]) > len(needles[j])
		}
		return needles[i] < needles[j]
	})
	return &Scrubber{needles: needles}
}

// Scrub returns text with every known secret and every URL password masked.
func (s *Scrubber) Scrub(text string) string {
	if s == nil || text == "" {
		return text
	}
	for _, n := range s.needles {
		if strings.Contains(text, n) {
			text = strings.ReplaceAll(text, n, Redacted)
		}
	}
	text = userinfoRe.ReplaceAllString(text, "${1}xxxxx@")
	return dsnPasswordRe.ReplaceAllString(text, "${1}xxxxx")
}

// Needles returns the literal values the scrubber searches for. Only the
// support bundle's final sweep uses it; never print the result.
func (s *Scrubber) Needles() []string { return append([]string(nil), s.needles...) }

// Variants returns v and the encodings it is likely to appear in: base64
// (standard and URL-safe, padded or not), URL-escaped, JSON-escaped, the
// password of a URL or DSN, and the body lines of a PEM block (also when v
// is base64 of a PEM, as ENCRYPTION_RSA_PRIVATE_KEY is).
func Variants(v string) []string {
	if v == "" {
		return nil
	}
	out := []string{v}
	add := func(xs ...string) {
		for _, x := range xs {
			if x != "" {
				out = append(out, x)
			}
		}
	}
	add(encodings(v)...)
	if pw := urlPassword(v); pw != "" {
		add(pw)
		add(encodings(pw)...)
	}
	if m := dsnPasswordRe.FindStringSubmatch(v); m != nil {
		add(strings.Trim(m[2], "'"))
	}
	pemText := v
	if dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), "")); err == nil && strings.Contains(string(dec), "-----BEGIN") {
		pemText = string(dec)
		add(pemText)
	}
	add(pemBodyLines(pemText)...)
	return out
}

func encodings(v string) []string {
	b := []byte(v)
	j, _ := json.Marshal(v)
	return []string{
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		url.QueryEscape(v),
		url.PathEscape(v),
		strings.Trim(string(j), `"`),
	}
}

func urlPassword(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

func pemBodyLines(v string) []string {
	var out []string
	rest := []byte(v)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return out
		}
		body := base64.StdEncoding.EncodeToString(block.Bytes)
		for len(body) > 0 {
			n := min(64, len(body))
			out = append(out, body[:n])
			body = body[n:]
		}
	}
}
