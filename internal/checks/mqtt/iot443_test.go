package mqtt

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// iotListener stands in for IoT Core's data endpoint on 443 (nothing real
// exists here): TLS with the harness's server certificate, the ALPN
// protocols it accepts, and, like IoT Core, a required client certificate
// when requireCert is set. It only completes handshakes.
func iotListener(t *testing.T, protos []string, requireCert bool) string {
	t.Helper()
	v := testsvc.Require(t, "SPT_SERVER_CERT", "SPT_SERVER_KEY")
	pair, err := tls.LoadX509KeyPair(v[0], v[1])
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: protos}
	if requireCert {
		conf.ClientAuth = tls.RequireAnyClientCert
	}
	return testsvc.HandshakeListener(t, conf)
}

// iotDeps dials IoT Core's port on the listener's loopback port.
func iotDeps(addr string) deps {
	d := fixedDNS()
	d.iotPort = port(addr)
	return d
}

func TestIoTCoreOn443WithALPN(t *testing.T) {
	ca := testsvc.Require(t, "SPT_CA_FILE")[0]
	for _, tc := range []struct {
		name        string
		protos      []string
		requireCert bool
		status      checks.Status
		wants       []string
	}{
		{"IoT Core negotiates x-amzn-mqtt-ca, then wants a device certificate", []string{iotCoreALPN}, true,
			checks.Pass, []string{"with ALPN x-amzn-mqtt-ca", "alpn negotiated: x-amzn-mqtt-ca", "device certificate"}},
		{"a TLS server that accepts the handshake and the protocol", []string{"h2", iotCoreALPN}, false,
			checks.Pass, []string{"with ALPN x-amzn-mqtt-ca", "alpn negotiated: x-amzn-mqtt-ca"}},
		{"a TLS endpoint that speaks another protocol refuses the ALPN", []string{"h2"}, false,
			checks.Fail, []string{"refused the ALPN protocol x-amzn-mqtt-ca", "iot:Data-ATS"}},
		{"a TLS endpoint that ignores ALPN", nil, false,
			checks.Fail, []string{"did not select the ALPN protocol x-amzn-mqtt-ca"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := iotListener(t, tc.protos, tc.requireCert)
			// A bare host, as the official modules write IoT Core's endpoint.
			vars := map[string]string{BrokerType: "iotcore", BrokerEndpoint: "localhost", ClientCAFile: ca}
			o := runConnect(t, vars, checks.PreInstall, 10*time.Second, iotDeps(addr))
			msgtest.Expect(t, ConnectID, o, tc.status, tc.wants...)
			if got, _ := o.Result.Details.Get("address"); got != net.JoinHostPort("localhost", port(addr)) {
				t.Errorf("address %q: the check must dial IoT Core's port", got)
			}
		})
	}
}

func TestIoTCoreDefaultPortIs443(t *testing.T) {
	tg, err := parseEndpoint("abc-ats.iot.eu-west-1.amazonaws.com", "iotcore", defaultDeps().iotPort)
	if err != nil || tg.port != "443" || tg.alpn != iotCoreALPN {
		t.Fatalf("target %+v, err %v: IoT Core is reached on 443 with ALPN %s", tg, err, iotCoreALPN)
	}
	tg, _ = parseEndpoint("tls://spacelift-mqtt.ns.svc.cluster.local:1984", "builtin", defaultDeps().iotPort)
	if tg.alpn != "" || tg.port != "1984" {
		t.Fatalf("the built-in broker asks for no ALPN: %+v", tg)
	}
}
