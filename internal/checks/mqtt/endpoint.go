package mqtt

import (
	"fmt"
	"net"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// target is where mqtt.connect connects, read from MQTT_BROKER_ENDPOINT.
type target struct {
	host, port string
	tls        bool
	scheme     string // as written, "" for none
	// alpn is the TLS application protocol to ask for, "" for none.
	alpn string
}

func (t target) addr() string { return net.JoinHostPort(t.host, t.port) }

// IoT Core serves MQTT with X.509 client certificates on 8883, and on 443
// when the client asks for the ALPN protocol x-amzn-mqtt-ca (AWS IoT
// developer guide, "Protocols, port mappings, and authentication").
// Spacelift's networking reference says workers reach the broker on 443,
// so that is what the check dials.
const (
	iotCorePort = "443"
	iotCoreALPN = "x-amzn-mqtt-ca"
)

// parseEndpoint reads the endpoint the way workers use it. The built-in
// broker's documented form is HOST:PORT and the modules write
// tls://HOST:PORT; both mean TLS. tcp:// and mqtt:// mean plain TCP (not
// supported by Spacelift, which config.values reports, but still worth
// connecting to). IoT Core endpoints are a bare host, reached on 443.
func parseEndpoint(raw, broker, iotPort string) (target, error) {
	raw = strings.TrimSpace(raw)
	t := target{tls: true}
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		t.scheme, rest = strings.ToLower(raw[:i]), raw[i+3:]
		switch t.scheme {
		case "tls", "ssl", "mqtts":
		case "tcp", "mqtt":
			t.tls = false
		default:
			return t, fmt.Errorf("scheme %s:// is not an MQTT scheme (want tls://)", t.scheme)
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	host, port, err := net.SplitHostPort(rest)
	switch {
	case err == nil:
		t.host, t.port = host, port
	case broker == "iotcore" && !strings.Contains(rest, ":"):
		t.host, t.port = rest, iotPort
	default:
		return t, fmt.Errorf("%s has no port (want tls://HOST:PORT)", secret.ShowURL(raw))
	}
	if t.host == "" {
		return t, fmt.Errorf("%s has no host", secret.ShowURL(raw))
	}
	if broker == "iotcore" && t.port == iotPort {
		t.alpn = iotCoreALPN
	}
	return t, nil
}
