package worker

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// The Spacelift server stands in as an HTTPS server on loopback with a
// certificate for spacelift.test from a private CA made for the test; the
// test's dialer (or proxy) sends spacelift.test to it.
func TestServer(t *testing.T) {
	ca := newCA(t, "worker test private CA")
	var health atomic.Int32
	addr := httpsServer(t, ca.leaf(t, 200*24*time.Hour, "spacelift.test"), func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			health.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	})
	names := map[string]string{"spacelift.test:443": addr}
	proxy := testsvc.ForwardProxy(t, names)
	closed := testsvc.ClosedAddr(t)
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		names  map[string]string
		status checks.Status
		wants  []string
	}{
		{"ADDITIONAL_ROOT_CAS makes the private CA trusted",
			vars(configcheck.ServerDomain, "spacelift.test", rootcas.Var, rootcas.Encode(ca.pem)), names,
			checks.Pass, []string{"answers at https://spacelift.test", "1 CA certificate(s) from ADDITIONAL_ROOT_CAS", "route: directly"}},
		{"a directory of .pem files makes the private CA trusted",
			vars(configcheck.ServerDomain, "spacelift.test", CADir, ca.dir(t)), names,
			checks.Pass, []string{"CA certificate(s) from", "/*.pem", "server certificate issuer: CN=worker test private CA"}},
		{"through the proxy, as the worker would go",
			vars(configcheck.ServerDomain, "spacelift.test", rootcas.Var, rootcas.Encode(ca.pem), configcheck.HTTPSProxy, proxy.URL()), nil,
			checks.Pass, []string{"route: through the proxy " + proxy.URL()}},
		{"an untrusted private CA fails and says how workers trust one",
			vars(configcheck.ServerDomain, "spacelift.test"), names,
			checks.Fail, []string{"is not trusted by system roots", "issuer CN=worker test private CA", "/opt/spacelift/certs", CADir}},
		{"a directory without .pem files warns besides",
			vars(configcheck.ServerDomain, "spacelift.test", CADir, t.TempDir()), names,
			checks.Fail, []string{"holds no *.pem file", "not trusted"}},
		{"a name that does not resolve",
			vars(configcheck.ServerDomain, "spacelift.missing.test"), names,
			checks.Fail, []string{"spacelift.missing.test does not resolve from here (no such host)"}},
		{"a closed port",
			vars(configcheck.ServerDomain, "spacelift.test"), map[string]string{"spacelift.test:443": closed},
			checks.Fail, []string{"spacelift.test:443 refused the connection"}},
		{"a proxy that does not answer",
			vars(configcheck.ServerDomain, "spacelift.test", configcheck.HTTPSProxy, "http://"+closed), names,
			checks.Fail, []string{"cannot reach the proxy", "HTTPS_PROXY"}},
		{"SERVER_DOMAIN unset",
			vars(), names, checks.Fail, []string{"SERVER_DOMAIN is not set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, ServerID, tc.vars, testDeps(tc.names))
			msgtest.Expect(t, ServerID, o, tc.status, tc.wants...)
		})
	}
	if !proxy.Saw("spacelift.test:443") {
		t.Errorf("the proxied case did not go through the proxy: %q", proxy.Requests())
	}
	if health.Load() == 0 {
		t.Error("no check reached /health")
	}
}

func TestServerWarnsOnAnUnhealthyServerAndAnExpiringCertificate(t *testing.T) {
	ca := newCA(t, "worker test private CA")
	addr := httpsServer(t, ca.leaf(t, 10*24*time.Hour, "spacelift.test"), func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	o := run(t, ServerID, vars(configcheck.ServerDomain, "spacelift.test", rootcas.Var, rootcas.Encode(ca.pem)),
		testDeps(map[string]string{"spacelift.test:443": addr}))
	msgtest.Expect(t, ServerID, o, checks.Warn, "answered 502 Bad Gateway", "the certificate expires in")
	if !strings.Contains(o.Result.Message, "(and 1 more problem)") {
		t.Errorf("both problems should be counted: %s", o.Result.Message)
	}
}
