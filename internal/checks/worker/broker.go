package worker

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// brokerCheck is worker.mqtt: mqtt.connect's logic (DNS, TCP, TLS with
// its trust rules, an MQTT v5 session; IoT Core on 443 with ALPN) run from
// the worker, trusting the worker's roots. Spacelift is installed by the
// time a worker pool exists, so an unreachable built-in broker fails.
func brokerCheck(ctx context.Context, cfg *config.Config, d deps, tr trust) checks.Result {
	if !cfg.Has(mqtt.BrokerEndpoint) {
		return checks.Failf("Set MQTT_BROKER_ENDPOINT (and MQTT_BROKER_TYPE) to the server's values, or pass the server's env file too: workers receive their jobs from this broker.",
			"MQTT_BROKER_ENDPOINT is not set: the worker's broker is unknown")
	}
	res := mqtt.Connect(ctx, cfg, mqtt.ConnectOptions{
		Stage:      checks.PostInstall,
		FromWorker: true,
		Trust:      func() mqtt.Trust { return mqtt.Trust{Pool: tr.pool, Describe: tr.describe, UserCA: tr.userCA} },
		LookupHost: d.lookupHost,
		IoTPort:    d.iotPort,
	})
	if proxyConfig(cfg).HTTPSProxy != "" {
		res = res.With(checks.KV("proxy", "not used: this connection is made directly; whether the launcher sends MQTT through HTTPS_PROXY is not documented"))
	}
	return res
}
