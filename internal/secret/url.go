package secret

import (
	"net/url"
	"strings"
)

// RedactURL returns a URL safe to show: the password, and any query
// parameter whose name suggests a credential, are masked. Text that does
// not parse as a URL, or whose user-info holds characters a parser would
// misread (an un-encoded '@', '/', '?' or '#' in the password), is returned
// as Redacted, because we cannot tell which part of it is secret.
func RedactURL(raw string) string {
	s := strings.TrimSpace(raw)
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || !strings.Contains(s, "://") {
		return Redacted
	}
	if ui := ParseUserinfo(s); ui.Found && len(ui.Problems) > 0 {
		return Redacted
	}
	q := u.Query()
	changed := false
	for k := range q {
		if credentialName(k) {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
