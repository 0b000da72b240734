package messaging

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/server"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Every combination registers the same, valid, documented set of checks;
// only what is disabled changes.
func TestRegisterIsValidAndDocumented(t *testing.T) {
	want := []string{
		"queue.sqs.async", "queue.sqs.async-fifo", "queue.sqs.cronjobs", "queue.sqs.dlq", "queue.sqs.dlq-fifo",
		"queue.sqs.events-inbox", "queue.sqs.iot", "queue.sqs.webhooks", "queue.builtin",
		"mqtt.iotcore-endpoint", "mqtt.iotcore-topic-rule", "mqtt.connect", "telemetry.endpoint", "server.health",
	}
	for _, tc := range []struct {
		vars  map[string]string
		stage checks.Stage
	}{
		{map[string]string{}, checks.PreInstall},
		{map[string]string{config.MessageQueueType: "postgres", config.MQTTBrokerType: "builtin", config.MQTTBrokerEndpoint: "tls://mqtt.example.com:1984",
			config.ObservabilityVendor: "OpenTelemetry", config.ServerDomain: "spacelift.example.com"}, checks.PostInstall},
	} {
		cfg := msgtest.Config(t, tc.vars)
		p := &checks.Plan{}
		// The postgres backend owns the check queue.builtin needs.
		p.Add(checks.Check{ID: "postgres.privileges", Group: "postgres", Title: "stand-in", Run: func(context.Context) checks.Result { return checks.Passf("") }})
		Register(p, cfg, checks.Options{Stage: tc.stage})
		server.Register(p, cfg, checks.Options{Stage: tc.stage})
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		got := p.Checks()[1:]
		if len(got) != len(want) {
			t.Fatalf("%d checks, want %d", len(got), len(want))
		}
		for i, c := range got {
			if c.ID != want[i] {
				t.Errorf("check %d is %s, want %s", i, c.ID, want[i])
			}
			if _, err := os.Stat(filepath.Join("..", "..", "..", "docs", "checks", c.DocPage()+".md")); err != nil {
				t.Errorf("%s: no doc page: %v", c.ID, err)
			}
		}
	}
}
