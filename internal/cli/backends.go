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
	"github.com/spacelift-io/spacectl-preflight/internal/checks/worker"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Backends lists every component the server target's checks cover, in the
// order reports show them (the offline config checks first). This file is
// the composition root: the one place in the tool that names every
// backend. Adding a backend is one line here.
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

// WorkerBackends lists what the worker target's checks cover: a private
// worker pool, checked from its host or its cluster. The worker backend
// reads the server side's variables it shares by name (SERVER_DOMAIN,
// MQTT_BROKER_ENDPOINT, the object storage), without their checks.
func WorkerBackends() []checks.Backend {
	return []checks.Backend{worker.Backend{}}
}

// AllBackends is every backend of either target, once each: the variables
// the inputs may set, so one env file can feed both targets.
func AllBackends() []checks.Backend { return checks.Union(Backends(), WorkerBackends()) }

// TargetBackends returns the backends of a target (config.TargetServer or
// config.TargetWorker).
func TargetBackends(target string) []checks.Backend {
	if target == config.TargetWorker {
		return WorkerBackends()
	}
	return Backends()
}
