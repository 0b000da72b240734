package mqtt

import (
	"os"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// mosquittoEnv is the harness's mosquitto: plain+password, TLS+password
// and mTLS listeners, with the test CA, a wrong CA and a client cert.
type mosquittoEnv struct {
	plain, tls, mtls, user, pass, ca, wrongCA, cert, key string
}

func mosquitto(t *testing.T) mosquittoEnv {
	v := testsvc.Require(t, "SPT_MQTT_PLAIN_ADDR", "SPT_MQTT_TLS_ADDR", "SPT_MQTT_MTLS_ADDR", "SPT_MQTT_USER", "SPT_MQTT_PASS",
		"SPT_CA_FILE", "SPT_WRONG_CA_FILE", "SPT_CLIENT_CERT", "SPT_CLIENT_KEY")
	return mosquittoEnv{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]}
}

func TestMosquitto(t *testing.T) {
	m := mosquitto(t)
	const wrongPass = "definitely-not-the-password"
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		d      deps
		status checks.Status
		wants  []string
	}{
		{"plain with credentials makes a round trip",
			builtin("tcp://"+m.plain, ClientUsername, m.user, ClientPassword, m.pass), noDNS(t),
			checks.Pass, []string{"authenticated", "round trip in", "round-trip latency", "connack: 0x00 Success"}},
		{"TLS with credentials makes a round trip",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, m.pass, ClientCAFile, m.ca), noDNS(t),
			checks.Pass, []string{"round trip in", "tls version: TLS 1.3", "server certificate names: localhost, 127.0.0.1",
				checks.EvidenceTLSEndpoint + ": " + m.tls, checks.EvidenceCertNotAfter + ": 20"}},
		{"TLS by hostname resolves and verifies the name",
			builtin("tls://localhost:"+port(m.tls), ClientUsername, m.user, ClientPassword, m.pass, ClientCAFile, m.ca), fixedDNS(),
			checks.Pass, []string{"resolves to: 127.0.0.1", "round trip in"}},
		{"the docs' bare HOST:PORT form means TLS",
			builtin(m.tls, ClientUsername, m.user, ClientPassword, m.pass, ClientCAFile, m.ca), noDNS(t),
			checks.Pass, []string{"transport: TLS", "round trip in"}},
		{"mTLS with a client certificate makes a round trip",
			builtin("tls://"+m.mtls, ClientCAFile, m.ca, ClientCertFile, m.cert, ClientKeyFile, m.key), noDNS(t),
			checks.Pass, []string{"round trip in", "client certificate: CN=client1"}},
		{"without credentials any CONNACK proves a broker",
			builtin("tcp://" + m.plain), noDNS(t),
			checks.Pass, []string{"authentication not tested", "0x87 Not authorized"}},
		{"a wrong password fails as authentication",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, wrongPass, ClientCAFile, m.ca), noDNS(t),
			checks.Fail, []string{"rejected the credentials of user " + m.user, "0x87 Not authorized", ClientPassword}},
		{"an untrusted CA fails as TLS",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, m.pass, ClientCAFile, m.wrongCA), noDNS(t),
			checks.Fail, []string{"is not trusted by " + m.wrongCA, "spacectl-preflight test CA", ClientCAFile}},
		{"an unknown CA of the built-in broker warns, then the session is still tested",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, m.pass), noDNS(t),
			checks.Warn, []string{"signed by a CA this machine does not trust", "no Spacelift source documents", "chain not verified", "round trip in"}},
		{"ADDITIONAL_ROOT_CAS is trusted like the system roots",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, m.pass, rootcas.Var, rootcas.Encode(readFile(t, m.ca))), noDNS(t),
			checks.Pass, []string{"system roots plus 1 CA certificate(s) from ADDITIONAL_ROOT_CAS", "round trip in"}},
		{"ADDITIONAL_ROOT_CAS without the broker's CA fails: the operator named the CAs",
			builtin("tls://"+m.tls, ClientUsername, m.user, ClientPassword, m.pass, rootcas.Var, rootcas.Encode(readFile(t, m.wrongCA))), noDNS(t),
			checks.Fail, []string{"is not trusted by system roots plus 1 CA certificate(s) from ADDITIONAL_ROOT_CAS", "ADDITIONAL_ROOT_CAS"}},
		{"a hostname the certificate does not cover fails",
			builtin("tls://mqtt.example.test:"+port(m.tls), ClientCAFile, m.ca), fixedDNS(),
			checks.Fail, []string{"does not cover mqtt.example.test", "localhost, 127.0.0.1"}},
		{"a missing client certificate on the mTLS listener fails clearly",
			builtin("tls://"+m.mtls, ClientCAFile, m.ca), noDNS(t),
			checks.Fail, []string{"requires a client certificate", ClientCertFile}},
		{"TLS to a plain listener fails as not TLS",
			builtin("tls://"+m.plain, ClientCAFile, m.ca), noDNS(t),
			checks.Fail, []string{"did not answer with TLS"}},
		{"IoT Core without a device certificate stops after TLS",
			map[string]string{BrokerType: "iotcore", BrokerEndpoint: m.mtls, ClientCAFile: m.ca}, noDNS(t),
			checks.Pass, []string{"MQTT itself was not tested", "device certificate", "reachable on port " + port(m.mtls)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := runConnect(t, tc.vars, checks.PreInstall, 10*time.Second, tc.d)
			msgtest.Expect(t, ConnectID, o, tc.status, tc.wants...)
		})
	}
}

func TestMosquittoPasswordNeverInResult(t *testing.T) {
	m := mosquitto(t)
	for _, pass := range []string{m.pass, "wrong-password-value-123"} {
		for _, ep := range []string{"tcp://" + m.plain, "tls://" + m.tls} {
			o := runConnect(t, builtin(ep, ClientUsername, m.user, ClientPassword, pass, ClientCAFile, m.ca),
				checks.PostInstall, 10*time.Second, noDNS(t))
			if o.Result.Status == checks.Skip || o.Result.Status == checks.Error {
				t.Errorf("%s: the check did not run: %s", ep, o.Result.Message)
			}
			msgtest.NoSecret(t, ConnectID, o.Result, pass)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func port(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return addr
}
