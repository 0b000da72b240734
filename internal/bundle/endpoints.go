package bundle

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Endpoint is one host:port the configuration points at.
type Endpoint = checks.Endpoint

// Handshakes.
const (
	NoTLS       = checks.NoTLS
	DirectTLS   = checks.DirectTLS
	PostgresTLS = checks.PostgresTLS
)

// Endpoints collects every backend's endpoints from the configuration. The
// backends read only the displayable form of each value (secrets redacted,
// URL passwords masked), so no credential is handled; a value whose host
// cannot be told from that form is returned as not collected, with the
// reason. Endpoints with the same host, port and handshake are merged.
func Endpoints(backends []checks.Backend, cfg *config.Config) ([]Endpoint, []Item) {
	eps, gaps := checks.EndpointsOf(backends, cfg)
	items := make([]Item, len(gaps))
	for i, g := range gaps {
		items[i] = Item{Item: g.Item, Reason: g.Reason}
	}
	return eps, items
}
