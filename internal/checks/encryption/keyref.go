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
