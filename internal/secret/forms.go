package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Form is one shape a secret value may take in text, named by how it was
// derived from the value (the name is safe to print; the Value never is).
type Form struct {
	Name  string
	Value string
}

// Forms returns v and the encodings it is likely to appear in, each named:
// base64 (standard and URL-safe, padded or not), URL-escaped (query, path
// and userinfo rules), JSON-escaped (with and without HTML escaping), XML-
// escaped (JUnit), the printable text of a base64 value, the password of a
// URL or DSN (and its encodings), and the body lines of a PEM block, as
// written and re-wrapped at 64 columns (also when v is base64 of a PEM, as
// ENCRYPTION_RSA_PRIVATE_KEY is). Duplicates and empty values are dropped;
// the first name wins.
func Forms(v string) []Form {
	if v == "" {
		return nil
	}
	var out []Form
	seen := map[string]bool{}
	add := func(name, val string) {
		if val != "" && !seen[val] {
			seen[val] = true
			out = append(out, Form{Name: name, Value: val})
		}
	}
	add("raw", v)
	for _, e := range encodings(v) {
		add(e.Name, e.Value)
	}
	if t := strings.TrimSpace(v); t != v {
		add("trimmed", t)
	}
	if pw := urlPassword(v); pw != "" {
		add("URL password", pw)
		for _, e := range encodings(pw) {
			add("URL password, "+e.Name, e.Value)
		}
	}
	// The password as its writer meant it, which parsers misread when it
	// holds an un-encoded delimiter (and then quote in their errors).
	if ui := ParseUserinfo(v); ui.Found && ui.Password != "" {
		add("URL password as written", ui.Password)
		if d, err := url.PathUnescape(ui.Password); err == nil {
			add("URL password as written, decoded", d)
		}
		for _, e := range encodings(ui.Password) {
			add("URL password as written, "+e.Name, e.Value)
		}
	}
	for _, c := range queryCredentials(v) {
		add("URL credential parameter", c)
	}
	if m := dsnPasswordRe.FindStringSubmatch(v); m != nil {
		pw := strings.Trim(m[2], "'")
		add("DSN password", pw)
		for _, e := range encodings(pw) {
			add("DSN password, "+e.Name, e.Value)
		}
	}
	pemText := v
	if dec, ok := decodeBase64(v); ok {
		if strings.Contains(dec, "-----BEGIN") {
			pemText = dec
			add("base64-decoded PEM", dec)
			for _, e := range encodings(dec) {
				if e.Name != "base64" && e.Name != "base64 unpadded" {
					add("base64-decoded PEM, "+e.Name, e.Value)
				}
			}
		} else if printable(dec) && len(dec) >= 8 {
			add("base64-decoded", dec)
		}
	}
	for _, l := range pemBodyLines(pemText) {
		add("PEM body line", l)
	}
	return out
}

// Variants returns the values of Forms(v).
func Variants(v string) []string {
	fs := Forms(v)
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Value
	}
	return out
}

func encodings(v string) []Form {
	b := []byte(v)
	jsonHTML, _ := json.Marshal(v)
	var jsonPlain bytes.Buffer
	enc := json.NewEncoder(&jsonPlain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	var xmlText bytes.Buffer
	_ = xml.EscapeText(&xmlText, b)
	return []Form{
		{"base64", base64.StdEncoding.EncodeToString(b)},
		{"base64 unpadded", base64.RawStdEncoding.EncodeToString(b)},
		{"base64 URL-safe", base64.URLEncoding.EncodeToString(b)},
		{"base64 URL-safe unpadded", base64.RawURLEncoding.EncodeToString(b)},
		{"URL query-escaped", url.QueryEscape(v)},
		{"URL path-escaped", url.PathEscape(v)},
		{"URL userinfo-escaped", userinfoEscape(v)},
		{"JSON-escaped", strings.Trim(string(jsonHTML), `"`)},
		{"JSON-escaped", strings.Trim(strings.TrimSuffix(jsonPlain.String(), "\n"), `"`)},
		{"XML-escaped", xmlText.String()},
	}
}

// userinfoEscape escapes v as net/url does for a password in a URL, which
// leaves more characters bare than query or path escaping.
func userinfoEscape(v string) string {
	s := url.UserPassword("u", v).String()
	return strings.TrimPrefix(s, "u:")
}

func decodeBase64(v string) (string, bool) {
	compact := strings.Join(strings.Fields(v), "")
	if len(compact) < 8 {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if dec, err := enc.DecodeString(compact); err == nil {
			return string(dec), true
		}
	}
	return "", false
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func urlPassword(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// pemBodyLines returns the body lines of every PEM block in v: as written
// (whatever the line length), and re-encoded at the standard 64 columns.
func pemBodyLines(v string) []string {
	var out []string
	rest := []byte(v)
	for {
		start := bytes.Index(rest, []byte("-----BEGIN"))
		var block *pem.Block
		block, next := pem.Decode(rest)
		if block == nil {
			return out
		}
		if start >= 0 {
			out = append(out, writtenBodyLines(string(rest[start:len(rest)-len(next)]))...)
		}
		body := base64.StdEncoding.EncodeToString(block.Bytes)
		for len(body) > 0 {
			n := min(64, len(body))
			out = append(out, body[:n])
			body = body[n:]
		}
		rest = next
	}
}

// writtenBodyLines returns the base64 lines of one PEM block's text, skipping
// the armour and any "Key: value" headers.
func writtenBodyLines(block string) []string {
	var out []string
	for _, l := range strings.Split(block, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "-----") || strings.Contains(l, ":") {
			continue
		}
		out = append(out, l)
	}
	return out
}
