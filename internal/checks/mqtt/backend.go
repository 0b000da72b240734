package mqtt

import (
	"net"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Variable names.
const (
	BrokerType       = "MQTT_BROKER_TYPE"
	BrokerEndpoint   = "MQTT_BROKER_ENDPOINT"
	IoTCoreNamespace = "MQTT_BROKER_IOTCORE_NAMESPACE"
	BuiltinLogLevel  = "MQTT_BROKER_BUILTIN_LOG_LEVEL"
	ClientUsername   = "SPACECTL_PREFLIGHT_MQTT_USERNAME"
	ClientPassword   = "SPACECTL_PREFLIGHT_MQTT_PASSWORD"
	ClientCAFile     = "SPACECTL_PREFLIGHT_MQTT_CA_FILE"
	ClientCertFile   = "SPACECTL_PREFLIGHT_MQTT_CLIENT_CERT_FILE"
	ClientKeyFile    = "SPACECTL_PREFLIGHT_MQTT_CLIENT_KEY_FILE"
)

// Broker is the effective MQTT_BROKER_TYPE.
func Broker(cfg *config.Config) string { v, _ := cfg.TypeOf(BrokerType); return v }

// Backend is the MQTT broker workers connect to: AWS IoT Core or the
// broker built into the Spacelift server.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "MQTT broker"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(BrokerType, "mqtt.brokerType", "MQTT broker type.").OneOf("iotcore", "iotcore", "builtin"),
		config.Spacelift(BrokerEndpoint, "mqtt.endpoint", "Endpoint workers connect to."),
		config.Spacelift(IoTCoreNamespace, "mqtt.iotcoreNamespace", "IoT Core topic namespace (default spacelift)."),
		config.Spacelift(BuiltinLogLevel, "mqtt.builtinLogLevel", "Built-in broker log level (default error)."),
		config.Tool(ClientUsername, "mqtt.client.username", "Username for the MQTT round-trip test."),
		config.Tool(ClientPassword, "mqtt.client.password", "Password for the MQTT round-trip test.").Sensitive(),
		config.Tool(ClientCAFile, "mqtt.client.caFile", "CA bundle that signs the broker certificate."),
		config.Tool(ClientCertFile, "mqtt.client.certFile", "Client certificate for mTLS."),
		config.Tool(ClientKeyFile, "mqtt.client.keyFile", "Client key for mTLS."),
	}
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	rs := []checks.Requirement{{Var: BrokerEndpoint, Why: "workers connect to it"}}
	if Broker(cfg) == "iotcore" {
		rs = append(rs, awsenv.Requirements()...)
	}
	return rs
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	if Broker(cfg) == "iotcore" && queue.Type(cfg) != "sqs" {
		r.Compat.Fail(BrokerType, "IoT Core delivers worker messages through an IoT topic rule into SQS. Either set MQTT_BROKER_TYPE=builtin (recommended for new installs), or use MESSAGE_QUEUE_TYPE=sqs with the eight MESSAGE_QUEUE_SQS_*_URL queues.",
			"iotcore requires MESSAGE_QUEUE_TYPE=sqs, but it is %s", queue.Type(cfg))
	}
	r.Implied(cfg, BrokerType, "set it explicitly; builtin is recommended for new installs")
	r.Compat.Detail("mqtt broker", Broker(cfg))
	reviewEndpoint(cfg, r)
}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	v, ok := cfg.Display(BrokerEndpoint)
	if !ok {
		return
	}
	if strings.Contains(v, "://") {
		e.URL(BrokerEndpoint, v, "", []string{"tls", "ssl", "mqtts", "wss", "https"}, []string{"tcp", "mqtt", "ws", "http"})
		return
	}
	h, p, err := net.SplitHostPort(v)
	if err != nil {
		h, p = v, ""
	}
	hs := checks.NoTLS
	// IoT Core only speaks TLS; a bare builtin endpoint says nothing.
	if Broker(cfg) == "iotcore" {
		hs = checks.DirectTLS
		if p == "" {
			p = iotCorePort
		}
	}
	e.Add(BrokerEndpoint, h, p, hs)
}

func reviewEndpoint(cfg *config.Config, r *checks.Review) {
	ep := cfg.Get(BrokerEndpoint)
	if ep == "" {
		return
	}
	const describe = "run `aws iot describe-endpoint --endpoint-type iot:Data-ATS` and use its endpointAddress"
	// A trailing dot (an absolute DNS name) broke workers: the official
	// Google module had to strip it (terraform-google-spacelift-selfhosted
	// d734e1d, #33).
	if host := endpointHost(ep); strings.HasSuffix(host, ".") {
		r.Values.Fail(BrokerEndpoint, "remove the trailing dot from the host name", "the host %q ends with a dot; workers cannot use it", host)
		return
	}
	if Broker(cfg) == "iotcore" {
		switch {
		case strings.Contains(ep, "://"):
			r.Values.Fail(BrokerEndpoint, describe, "%s has a scheme; IoT Core wants the bare hostname", secret.ShowURL(ep))
		case strings.Contains(ep, ":"):
			r.Values.Fail(BrokerEndpoint, describe, "%s has a port; IoT Core wants the bare hostname", secret.ShowURL(ep))
		case !strings.Contains(ep, "-ats.iot."):
			r.Values.Warn(BrokerEndpoint, "use the iot:Data-ATS endpoint, unless this is a custom domain for disaster recovery", "%s is not an ATS IoT endpoint (…-ats.iot.REGION.amazonaws.com)", secret.ShowURL(ep))
		}
		return
	}
	hostport := ep
	if i := strings.Index(ep, "://"); i >= 0 {
		scheme := ep[:i]
		hostport = ep[i+3:]
		if scheme != "tls" {
			r.Values.Fail(BrokerEndpoint, "use tls://HOST:PORT, e.g. tls://spacelift-mqtt.example.com:1984", "scheme %q is not supported by the built-in broker", scheme+"://")
			return
		}
	} else {
		r.Values.Warn(BrokerEndpoint, "write tls://"+ep, "%s has no tls:// scheme; the docs allow it but every official module uses tls://", secret.ShowURL(ep))
	}
	_, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" {
		r.Values.Fail(BrokerEndpoint, "use tls://HOST:PORT, e.g. tls://spacelift-mqtt.example.com:1984", "%s has no port", secret.ShowURL(ep))
		return
	}
	switch port {
	case "1983":
		r.Values.Fail(BrokerEndpoint, "use another port; the official modules use 1984", "port 1983 is reserved for Spacelift's HTTP server")
	case "1984":
	default:
		r.Values.Detail("MQTT broker port", port+": not 1984, the port the Helm chart and the official modules give the built-in broker; the server's broker listener and the load balancer must use it too")
	}
	if host, _, _ := net.SplitHostPort(hostport); host != "" && strings.EqualFold(host, cfg.Get(configcheck.ServerDomain)) {
		r.Values.Warn(BrokerEndpoint, "give the broker a hostname of its own (the official modules' mqtt_broker_domain), unless the load balancer behind "+host+" deliberately forwards port "+port+" to the broker as TCP passthrough",
			"the broker's host %s is SERVER_DOMAIN: the same name must then route both HTTPS and MQTT", host)
	}
	if lvl := cfg.Get(BuiltinLogLevel); lvl != "" && lvl != "debug" && lvl != "info" && lvl != "warn" && lvl != "error" {
		r.Values.Warn(BuiltinLogLevel, "use error (the default) unless support asks otherwise", "%q is not one of debug, info, warn, error", lvl)
	}
}

// endpointHost is the host of tls://HOST:PORT, HOST:PORT or a bare HOST.
func endpointHost(ep string) string {
	if i := strings.Index(ep, "://"); i >= 0 {
		ep = ep[i+3:]
	}
	if h, _, err := net.SplitHostPort(ep); err == nil {
		return h
	}
	return ep
}
