// Package registry is the one place that lists every backend's checks, in
// the order they are reported. Adding a backend is one line here.
package registry

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/postgres"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/server"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Build returns the plan of every check for this configuration. Backends
// create their clients lazily, so building a plan is cheap and touches no
// network.
func Build(cfg *config.Config, opts checks.Options) *checks.Plan {
	p := &checks.Plan{}
	// One AWS configuration per run, shared by S3, KMS, SQS and IoT Core.
	aws := awsenv.New(cfg)
	configcheck.Register(p, cfg, opts)
	postgres.Register(p, cfg, opts)
	storage.Register(p, cfg, opts, aws)
	encryption.Register(p, cfg, opts, aws)
	queue.Register(p, cfg, opts, aws)
	mqtt.Register(p, cfg, opts, aws)
	telemetry.Register(p, cfg, opts)
	server.Register(p, cfg, opts)
	return p
}
