package mqtt

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// An unreachable built-in broker is expected before installation (it runs
// inside the Spacelift server) and a failure after it; every variant must
// end within the check's deadline plus a second.
func TestUnreachableBrokerByStageWithinDeadline(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	closed := testsvc.ClosedAddr(t)
	silent := testsvc.SilentListener(t).Addr()
	for _, tc := range []struct {
		name     string
		endpoint string
		d        deps
		wants    []string
	}{
		{"closed port", "tls://" + closed, noDNS(t), []string{"TCP connect to " + closed + " failed", "connection refused"}},
		{"listener that never answers TLS", "tls://" + silent, noDNS(t), []string{"the TLS handshake got no answer"}},
		{"listener that never answers CONNECT", "tcp://" + silent, noDNS(t), []string{"no MQTT CONNACK arrived"}},
		{"name that does not resolve", "tls://broker.missing.test:1984", fixedDNS(), []string{"broker.missing.test does not resolve: no such host"}},
	} {
		for _, st := range []struct {
			stage  checks.Stage
			status checks.Status
			extra  string
		}{
			{checks.PreInstall, checks.Warn, "the built-in broker is not running yet"},
			{checks.PostInstall, checks.Fail, ""},
		} {
			t.Run(tc.name+"/"+string(st.stage), func(t *testing.T) {
				start := time.Now()
				o := runConnect(t, builtin(tc.endpoint, ClientUsername, "u", ClientPassword, "p"), st.stage, timeout, tc.d)
				if d := time.Since(start); d > timeout+time.Second {
					t.Errorf("the run took %s, more than the %s deadline + 1s", d, timeout)
				}
				wants := tc.wants
				if st.extra != "" {
					wants = append(wants, st.extra, "--stage post-install")
				}
				msgtest.Expect(t, ConnectID, o, st.status, wants...)
			})
		}
	}
}

// Only workers speak MQTT to IoT Core (the services use the AWS API), so
// from the server's side an unreachable IoT endpoint warns, in either
// stage, and points at the worker target; worker.mqtt fails on it.
func TestUnreachableIoTCoreWarnsFromTheServerSide(t *testing.T) {
	for _, stage := range []checks.Stage{checks.PreInstall, checks.PostInstall} {
		o := runConnect(t, map[string]string{BrokerType: "iotcore", BrokerEndpoint: testsvc.ClosedAddr(t)}, stage, 2*time.Second, noDNS(t))
		msgtest.Expect(t, ConnectID, o, checks.Warn, "connection refused", "only workers connect", "--target worker")
	}
	cfg := msgtest.Config(t, map[string]string{BrokerType: "iotcore", BrokerEndpoint: "localhost"}, Backend{}, queue.Backend{}, awsenv.Backend{}, configcheck.Backend{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := Connect(ctx, cfg, ConnectOptions{Stage: checks.PostInstall, FromWorker: true, IoTPort: port(testsvc.ClosedAddr(t))})
	if res.Status != checks.Fail || !strings.Contains(res.Message, "connection refused") {
		t.Errorf("from a worker, an unreachable IoT Core: %s: %s", res.Status, res.Message)
	}
}

func TestConnectDisabledWithoutEndpoint(t *testing.T) {
	o := runConnect(t, map[string]string{BrokerType: "builtin"}, checks.PreInstall, time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Skip, "MQTT_BROKER_ENDPOINT is not set")
}

func TestConnectRejectsUnusableEndpoint(t *testing.T) {
	for _, ep := range []string{"ws://broker:1984", "tls://broker", "tls://:1984"} {
		o := runConnect(t, builtin(ep), checks.PreInstall, time.Second, noDNS(t))
		msgtest.Expect(t, ConnectID, o, checks.Fail, "MQTT_BROKER_ENDPOINT cannot be used")
	}
}
