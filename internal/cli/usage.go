package cli

import "strings"

// isCobraUsage recognises cobra's and pflag's own argument errors, which
// are plain errors, so they map to exit 2 rather than 3.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
