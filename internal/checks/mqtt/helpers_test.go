package mqtt

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
)

// runConnect registers the MQTT checks for vars and runs mqtt.connect
// through the real runner (unscrubbed) with the given per-check timeout.
func runConnect(t *testing.T, vars map[string]string, stage checks.Stage, timeout time.Duration, d deps) checks.Outcome {
	t.Helper()
	cfg := msgtest.Config(t, vars, Backend{}, queue.Backend{}, awsenv.Backend{}, configcheck.Backend{})
	p := &checks.Plan{}
	register(p, cfg, checks.Options{Stage: stage}, awsenv.New(cfg), d)
	o := msgtest.Run(t, p, timeout, ConnectID)[ConnectID]
	t.Logf("%s: %s (%s)\n%s", ConnectID, o.Result.Status, o.Duration.Round(time.Millisecond), msgtest.Text(o.Result))
	return o
}

// noDNS fails the test if the check looks anything up: the tests use IP
// addresses unless they provide a resolver of their own.
func noDNS(t *testing.T) deps {
	d := defaultDeps()
	d.lookupHost = func(_ context.Context, host string) ([]string, error) {
		t.Errorf("unexpected DNS lookup of %s", host)
		return nil, &net.DNSError{Err: "unexpected", Name: host}
	}
	return d
}

// fixedDNS resolves every name to 127.0.0.1, and names ending in
// ".missing.test" to nothing.
func fixedDNS() deps {
	d := defaultDeps()
	d.lookupHost = func(_ context.Context, host string) ([]string, error) {
		if len(host) > len(".missing.test") && host[len(host)-len(".missing.test"):] == ".missing.test" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []string{"127.0.0.1"}, nil
	}
	return d
}

func builtin(endpoint string, more ...string) map[string]string {
	vars := map[string]string{BrokerType: "builtin", BrokerEndpoint: endpoint}
	for i := 0; i+1 < len(more); i += 2 {
		vars[more[i]] = more[i+1]
	}
	return vars
}
