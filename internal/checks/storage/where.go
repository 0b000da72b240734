package storage

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// originOf says where a variable's value came from, as "NAME from SOURCE"
// (an input's file:line, or "$NAME (process environment)" for a cloud
// SDK's variable inherited from the shell), never the value itself.
func originOf(cfg *config.Config, name string) string {
	src, ok := cfg.Source(name)
	if !ok || !cfg.Has(name) {
		return name + " (not set)"
	}
	return name + " from " + src.String()
}

// whereDetails are the facts every storage result carries: the backend,
// the endpoint requests really go to and what set it, and the credentials
// that really sign them and where they came from. A setting the SDK took
// from the process environment shows up here, so a run against an emulator
// never claims to have talked to the cloud.
func (s *suite) whereDetails(ctx context.Context, be backend) []checks.Detail {
	return []checks.Detail{
		checks.KV("backend", s.flavour.name()),
		checks.KV("endpoint", be.endpoint()),
		checks.KV("endpoint from", be.endpointFrom()),
		checks.KV("credentials", be.credentials(ctx)),
	}
}
