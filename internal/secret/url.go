package secret

import (
	"net/url"
	"strings"
)

// RedactURL returns a URL safe to show: the password, and any query
// parameter whose name suggests a credential, are masked. Text that does
// not parse as a URL is returned as Redacted, because we cannot tell which
// part of it is secret.
func RedactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" {
		return Redacted
	}
	q := u.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "password") || strings.Contains(lk, "secret") || strings.Contains(lk, "token") || lk == "sig" {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
