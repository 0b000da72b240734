// Package messaging registers the checks of the components Spacelift talks
// to asynchronously: the message queue (queue.*), the MQTT broker (mqtt.*)
// and the telemetry endpoint (telemetry.*). SQS and IoT Core share one AWS
// configuration, loaded on first use.
package messaging

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Register adds the queue, MQTT and telemetry checks in report order.
func Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	env := awsenv.New(cfg)
	queue.Register(p, cfg, opts, env)
	mqtt.Register(p, cfg, opts, env)
	telemetry.Register(p, cfg, opts)
}
