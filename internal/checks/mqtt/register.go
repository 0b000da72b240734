// Package mqtt holds the MQTT broker checks: mqtt.connect (DNS, TCP, TLS and
// an MQTT v5 session with the broker workers connect to) for both broker
// types, and, for IoT Core, mqtt.iotcore-endpoint and mqtt.iotcore-topic-rule.
package mqtt

import (
	"context"
	"net"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "mqtt"

// IDs.
const (
	ConnectID   = "mqtt.connect"
	EndpointID  = "mqtt.iotcore-endpoint"
	TopicRuleID = "mqtt.iotcore-topic-rule"
)

// deps are the package's seams to the outside world; tests replace them.
type deps struct {
	now        func() time.Time
	lookupHost func(ctx context.Context, host string) ([]string, error)
	// iotPort is where IoT Core is dialled (tests use a loopback port).
	iotPort string
}

func defaultDeps() deps {
	return deps{now: time.Now, lookupHost: net.DefaultResolver.LookupHost, iotPort: iotCorePort}
}

// Register implements checks.Backend: the MQTT checks. The IoT Core checks
// share the run's AWS configuration and one IoT client.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, awsenv.Of(p, cfg), defaultDeps())
}

func register(p *checks.Plan, cfg *config.Config, opts checks.Options, env *awsenv.Env, d deps) {
	broker := Broker(cfg)
	stage := opts.Stage
	if stage == "" {
		stage = checks.PreInstall
	}
	notIoT := ""
	if broker != "iotcore" {
		notIoT = "MQTT_BROKER_TYPE is " + broker
	}
	noEndpoint := ""
	if !cfg.Has(BrokerEndpoint) {
		noEndpoint = "MQTT_BROKER_ENDPOINT is not set"
	}
	ic := newIoTClient(env)

	p.Add(checks.Check{
		ID:       EndpointID,
		Title:    "MQTT_BROKER_ENDPOINT is the account's IoT Core data endpoint",
		Disabled: firstOf(notIoT, noEndpoint),
		Run:      func(ctx context.Context) checks.Result { return iotEndpoint(ctx, cfg, ic) },
	})
	p.Add(checks.Check{
		ID:       TopicRuleID,
		Title:    "IoT Core topic rule forwards worker messages to the IoT queue",
		Disabled: notIoT,
		Run:      func(ctx context.Context) checks.Result { return topicRule(ctx, cfg, ic) },
	})
	cc := &connectCheck{cfg: cfg, stage: stage, d: d}
	p.Add(checks.Check{
		ID:       ConnectID,
		Title:    "Workers can reach the MQTT broker and open a session",
		Disabled: noEndpoint,
		Run:      cc.run,
	})
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
