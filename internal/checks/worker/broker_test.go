package worker

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// caDirOf copies a PEM file into a new directory as ca.pem: the
// controller's /opt/spacelift/certs layout.
func caDirOf(t *testing.T, pemFile string) string {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	d := t.TempDir()
	if err := os.WriteFile(filepath.Join(d, "ca.pem"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// The built-in broker is the harness's mosquitto (TLS and mutual TLS
// listeners, signed by the harness's test CA).
func TestMQTTBuiltinBroker(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_MQTT_TLS_ADDR", "SPT_MQTT_MTLS_ADDR", "SPT_MQTT_USER", "SPT_MQTT_PASS", "SPT_CA_FILE", "SPT_WRONG_CA_FILE",
		"SPT_CLIENT_CERT", "SPT_CLIENT_KEY")
	caFile, wrong := v["SPT_CA_FILE"], v["SPT_WRONG_CA_FILE"]
	caPEM, err := os.ReadFile(wrong)
	if err != nil {
		t.Fatal(err)
	}
	builtin := func(endpoint string, kv ...string) map[string]string {
		return vars(append([]string{mqtt.BrokerType, "builtin", mqtt.BrokerEndpoint, endpoint}, kv...)...)
	}
	tlsEP, mtlsEP := "tls://localhost:"+port(v["SPT_MQTT_TLS_ADDR"]), "tls://localhost:"+port(v["SPT_MQTT_MTLS_ADDR"])
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"the worker's CA directory verifies the broker",
			builtin(tlsEP, CADir, caDirOf(t, caFile), mqtt.ClientUsername, v["SPT_MQTT_USER"], mqtt.ClientPassword, v["SPT_MQTT_PASS"]),
			checks.Pass, []string{"round trip in", "CA certificate(s) from", "stage: post-install"}},
		{"mutual TLS with the client certificate",
			builtin(mtlsEP, CADir, caDirOf(t, caFile), mqtt.ClientCertFile, v["SPT_CLIENT_CERT"], mqtt.ClientKeyFile, v["SPT_CLIENT_KEY"]),
			checks.Pass, []string{"client certificate: CN=client1"}},
		{"mutual TLS without a client certificate fails",
			builtin(mtlsEP, CADir, caDirOf(t, caFile)),
			checks.Fail, []string{"requires a client certificate"}},
		{"an unknown CA the operator did not name only warns, as mqtt.connect does",
			builtin(tlsEP),
			checks.Warn, []string{"no Spacelift source documents what workers trust"}},
		{"a CA the operator named that does not sign the broker fails",
			builtin(tlsEP, rootcas.Var, rootcas.Encode(caPEM)),
			checks.Fail, []string{"is not trusted by system roots", "ADDITIONAL_ROOT_CAS"}},
		{"a proxy is reported as not used for MQTT",
			builtin(tlsEP, CADir, caDirOf(t, caFile), configcheck.HTTPSProxy, "http://proxy.example:3128"),
			checks.Pass, []string{"proxy: not used"}},
		{"a closed port fails: the broker exists once a worker pool does",
			builtin("tls://localhost:" + port(testsvc.ClosedAddr(t))),
			checks.Fail, []string{"connection refused"}},
		{"no endpoint", vars(),
			checks.Fail, []string{"MQTT_BROKER_ENDPOINT is not set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, MQTTID, tc.vars, testDeps(nil))
			msgtest.Expect(t, MQTTID, o, tc.status, tc.wants...)
			msgtest.NoSecret(t, MQTTID, o.Result, v["SPT_MQTT_PASS"])
		})
	}
}

// IoT Core's shape: TLS on 443 with the ALPN protocol x-amzn-mqtt-ca and
// a required device certificate. Nothing real exists here, so a TLS
// listener with the harness's server certificate answers the handshake.
func TestMQTTIoTCoreShape(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_SERVER_CERT", "SPT_SERVER_KEY", "SPT_CA_FILE")
	pair, err := tls.LoadX509KeyPair(v["SPT_SERVER_CERT"], v["SPT_SERVER_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		protos []string
		status checks.Status
		want   string
	}{
		{"IoT Core negotiates x-amzn-mqtt-ca", []string{"x-amzn-mqtt-ca"}, checks.Pass, "with ALPN x-amzn-mqtt-ca"},
		{"a TLS endpoint that is not IoT Core", []string{"h2"}, checks.Fail, "refused the ALPN protocol"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := testsvc.HandshakeListener(t, &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: tc.protos, ClientAuth: tls.RequireAnyClientCert})
			d := testDeps(nil)
			d.iotPort = port(addr)
			o := run(t, MQTTID, vars(mqtt.BrokerType, "iotcore", mqtt.BrokerEndpoint, "localhost", CADir, caDirOf(t, v["SPT_CA_FILE"])), d)
			msgtest.Expect(t, MQTTID, o, tc.status, tc.want)
		})
	}
}
