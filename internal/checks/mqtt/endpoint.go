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
}

func (t target) addr() string { return net.JoinHostPort(t.host, t.port) }

// iotCorePort is where IoT Core serves MQTT over mutual TLS.
const iotCorePort = "8883"

// parseEndpoint reads the endpoint the way workers use it. The built-in
// broker's documented form is HOST:PORT and the modules write
// tls://HOST:PORT; both mean TLS. tcp:// and mqtt:// mean plain TCP (not
// supported by Spacelift, which config.values reports, but still worth
// connecting to). IoT Core endpoints are a bare host on port 8883.
func parseEndpoint(raw, broker string) (target, error) {
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
		t.host, t.port = rest, iotCorePort
	default:
		return t, fmt.Errorf("%s has no port (want tls://HOST:PORT)", secret.ShowURL(raw))
	}
	if t.host == "" {
		return t, fmt.Errorf("%s has no host", secret.ShowURL(raw))
	}
	return t, nil
}
