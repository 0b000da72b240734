package encryption

import (
	"fmt"
	"strings"
)

// keyRef is a KMS key as configured: a key ID, a key ARN, an alias name or
// an alias ARN.
type keyRef struct {
	raw       string
	arn       bool
	alias     bool
	region    string // from an ARN
	account   string // from an ARN
	partition string // from an ARN
}

func parseKeyRef(s string) (keyRef, error) {
	k := keyRef{raw: s}
	switch {
	case s == "":
		return k, fmt.Errorf("it is empty")
	case s != strings.TrimSpace(s) || strings.ContainsAny(s, " \t\r\n"):
		return k, fmt.Errorf("it contains whitespace")
	case strings.HasPrefix(s, "alias/"):
		k.alias = true
	case strings.HasPrefix(s, "arn:"):
		// arn:PARTITION:kms:REGION:ACCOUNT:key/ID or :alias/NAME
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || parts[3] == "" || parts[4] == "" ||
			!(strings.HasPrefix(parts[5], "key/") || strings.HasPrefix(parts[5], "alias/")) {
			return k, fmt.Errorf("it is an ARN, but not a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")
		}
		k.arn, k.partition, k.region, k.account = true, parts[1], parts[3], parts[4]
		k.alias = strings.HasPrefix(parts[5], "alias/")
	}
	return k, nil
}

// kind names the reference's form for messages.
func (k keyRef) kind() string {
	switch {
	case k.arn && k.alias:
		return "alias ARN"
	case k.arn:
		return "key ARN"
	case k.alias:
		return "alias"
	}
	return "key ID"
}

// sameKeyAs reports whether two references certainly name the same key
// without asking KMS: the same key ID (bare or in an ARN) or the same
// alias (by name or ARN). An alias and a key ARN of one key need KMS to
// tell (encryption.kms-signing-key does).
func (k keyRef) sameKeyAs(o keyRef) bool {
	a, b := k.local(), o.local()
	if a != b {
		return false
	}
	// Two ARNs must also agree on account and region.
	return !k.arn || !o.arn || (k.account == o.account && k.region == o.region)
}

// local is the reference without its ARN prefix: key/ID or alias/NAME.
func (k keyRef) local() string {
	s := k.raw
	if k.arn {
		s = strings.SplitN(s, ":", 6)[5]
	}
	if !strings.HasPrefix(s, "alias/") && !strings.HasPrefix(s, "key/") {
		s = "key/" + s
	}
	return s
}
