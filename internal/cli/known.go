package cli

import (
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// knownValues is the text of the configuration that results print
// legitimately: every value that is not secret and holds no credential
// (host, user, database and bucket names, regions, URLs) and the input
// file names. A fragment of a secret that also occurs here proves no leak,
// so the scrubber's fragment sweep leaves it alone.
func knownValues(cfg *config.Config) []string {
	out := append([]string(nil), cfg.Files...)
	for _, n := range cfg.Names() {
		v, ok := cfg.Catalog().Lookup(n)
		if !ok || v.Secret {
			continue
		}
		if val := cfg.Get(n); val != "" && !secret.HasCredentials(val) {
			out = append(out, val)
		}
	}
	return out
}
