package cli

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/postgres"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/server"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry"
)

// Backends lists every component the checks cover, in the order reports
// show them (the offline config checks first). It is the composition root:
// the one place in the tool that names every backend. Adding a backend is
// one line here.
func Backends() []checks.Backend {
	return []checks.Backend{
		configcheck.Backend{},
		postgres.Backend{},
		storage.Backend{},
		encryption.Backend{},
		jwt.Backend{},
		queue.Backend{},
		mqtt.Backend{},
		telemetry.Backend{},
		server.Backend{},
		awsenv.Backend{},
	}
}
