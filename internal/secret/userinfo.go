package secret

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Encodings lists how to write the delimiters a URL password may hold,
// for advice ("URL-encode special characters in the password: " +
// Encodings).
const Encodings = "`@` as `%40`, `:` as `%3A`, `/` as `%2F`, `%` as `%25`, `#` as `%23`, `?` as `%3F`, a space as `%20`"

// Userinfo is the user-info of a URL (SCHEME://USER:PASSWORD@HOST/...) as
// its writer meant it, which is not always what a parser reads: a password
// pasted without URL-encoding holds delimiters that end it early. Only
// User, Problems and Explain are safe to show; Password never is.
type Userinfo struct {
	// Found is true when the text has user-info: SCHEME://USER[:PASSWORD]@…,
	// or USER:PASSWORD@HOST without a scheme.
	Found bool
	// User is the user name as written.
	User string
	// Password is the password as written (not decoded); a secret.
	Password    string
	HasPassword bool
	// Prefix is the text before the user-info (SCHEME://) and Rest the text
	// after its '@' (host, port, path, query): not secret, apart from any
	// credential in the query.
	Prefix, Rest string
	// Problems are the characters of the user name and password that
	// must be URL-encoded, in order.
	Problems []Problem
}

// Problem is one character of a user-info that must be URL-encoded.
type Problem struct {
	// Part is "user name" or "password".
	Part string
	// Char is the character when it is a delimiter (safe to show: it says
	// nothing a reader could not guess), or a description.
	Char string
	// Position counts characters from the start of Part, from 1.
	Position int
}

func (p Problem) String() string {
	return fmt.Sprintf("%s at character %d", p.Char, p.Position)
}

// ParseUserinfo finds the user-info of raw the way a person reads it: it
// ends at the last '@' before the host, so a password may hold '@', '/',
// '?' or '#'. (libpq and pgx end it at the first '@' or '/', Go's net/url
// at the last '@' before the first '/', '?' or '#': both misread such a
// password, which is what Problems explains.) An '@' inside a trailing
// key=value query does not count. Without "://", only USER:PASSWORD@HOST
// counts as user-info, so an e-mail address is not one.
func ParseUserinfo(raw string) Userinfo {
	s := strings.TrimSpace(raw)
	prefix := ""
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, s = s[:i+3], s[i+3:]
	}
	scope := s
	if q := strings.LastIndexByte(scope, '?'); q >= 0 && strings.Contains(scope[q+1:], "@") && isKeyValueQuery(scope[q+1:]) {
		scope = scope[:q]
	}
	at := strings.LastIndexByte(scope, '@')
	if at < 0 {
		return Userinfo{}
	}
	info := s[:at]
	user, password, hasPW := strings.Cut(info, ":")
	if prefix == "" && (!hasPW || strings.ContainsAny(s, " \t\r\n")) {
		return Userinfo{}
	}
	u := Userinfo{Found: true, User: user, Password: password, HasPassword: hasPW, Prefix: prefix, Rest: s[at+1:]}
	u.Problems = append(problemsIn("user name", user), problemsIn("password", password)...)
	return u
}

// isKeyValueQuery reports whether q reads as a URL query: one or more
// &-separated key=value pairs, each with exactly one '='.
func isKeyValueQuery(q string) bool {
	if q == "" {
		return false
	}
	for _, pair := range strings.Split(q, "&") {
		if strings.Count(pair, "=") != 1 || strings.HasPrefix(pair, "=") {
			return false
		}
	}
	return true
}

// problemsIn lists the characters of one user-info part that parsers
// treat as delimiters or reject: '@' and '/' end the user-info for libpq
// and pgx, '?', '#' and '/' end the authority for net/url, a '%' must
// start two hexadecimal digits, and spaces and control characters are
// refused. A ':' in the password is allowed by every parser (the first
// one ends the user name), so it is not a problem.
func problemsIn(part, s string) []Problem {
	var out []Problem
	pos := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		pos++
		what := ""
		switch {
		case r == '@', r == '/', r == '?', r == '#':
			what = "`" + string(r) + "`"
		case r == '%' && !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])):
			what = "`%` not followed by two hexadecimal digits"
		case r == ' ':
			what = "a space"
		case r < 0x20 || r == 0x7f:
			what = "a control character"
		}
		if what != "" {
			out = append(out, Problem{Part: part, Char: what, Position: pos})
		}
		i += size
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// maxProblems keeps an explanation readable when a long password is full
// of delimiters.
const maxProblems = 5

// Explain says what in the user-info must be URL-encoded, naming each
// character by what it is and where (counted from the start of the user
// name or password), never by the text around it. It is "" when nothing
// must be encoded.
func (u Userinfo) Explain() string {
	if len(u.Problems) == 0 {
		return ""
	}
	var parts []string
	for _, part := range []string{"user name", "password"} {
		var list []string
		n := 0
		for _, p := range u.Problems {
			if p.Part != part {
				continue
			}
			n++
			if len(list) < maxProblems {
				list = append(list, p.String())
			}
		}
		if n == 0 {
			continue
		}
		if n > len(list) {
			list = append(list, fmt.Sprintf("%d more", n-len(list)))
		}
		what := "characters that must be URL-encoded"
		if n == 1 {
			what = "a character that must be URL-encoded"
		}
		parts = append(parts, fmt.Sprintf("the %s contains %s: %s", part, what, joinAnd(list)))
	}
	return strings.Join(parts, "; ")
}

func joinAnd(list []string) string {
	if len(list) <= 1 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// HasCredentials reports whether raw holds a credential: a password in its
// user-info, or a query parameter whose name suggests one (password,
// secret, token, signature, key).
func HasCredentials(raw string) bool {
	if u := ParseUserinfo(raw); u.Found && u.HasPassword && u.Password != "" {
		return true
	}
	return len(queryCredentials(raw)) > 0
}

// queryCredentials returns the values of the query parameters of raw whose
// names suggest a credential.
func queryCredentials(raw string) []string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		return nil
	}
	if u := ParseUserinfo(s); u.Found {
		s = u.Rest
	}
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return nil
	}
	var out []string
	for _, pair := range strings.Split(s[q+1:], "&") {
		k, v, ok := strings.Cut(pair, "=")
		if ok && v != "" && credentialName(k) {
			out = append(out, v)
			if d, err := url.QueryUnescape(v); err == nil && d != v {
				out = append(out, d)
			}
		}
	}
	return out
}

// credentialName reports whether a parameter or key name suggests its
// value is a credential. A bare "key" is not enough: sslkey names a file.
func credentialName(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"password", "secret", "token", "signature", "accountkey", "apikey", "api_key", "access_key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return k == "sig" || k == "pwd"
}

// ShowURL returns a configured URL as it may appear in a message, quoted:
// as written when it holds no credential; with the password and credential
// parameters masked when it does and parses unambiguously; and as a
// placeholder that says why when it holds a credential that cannot be told
// apart from the rest.
func ShowURL(raw string) string {
	if d := DisplayURL(raw); d != Redacted || raw == Redacted {
		return fmt.Sprintf("%q", d)
	}
	return "(not shown: it holds credentials and does not parse)"
}

// DisplayURL is ShowURL without the quotes, for a detail value: the URL as
// written, masked, or Redacted.
func DisplayURL(raw string) string {
	if !HasCredentials(raw) {
		return raw
	}
	return RedactURL(raw)
}
