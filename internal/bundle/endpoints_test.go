package bundle_test

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/bundle"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func cfgOf(t *testing.T, kv map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.FromMap(checks.MustCatalog(cli.Backends()), kv, config.Source{Kind: config.FromEnvFile, File: "t.env", Line: 1})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestEndpointsFromConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     map[string]string
		want    []string // "host|port|tls|VARS"
		missing string
	}{
		{"postgres URL", map[string]string{"DATABASE_URL": "postgres://u:pw-1@db1:5433/x?sslmode=require"}, []string{"db1|5433|postgres|DATABASE_URL"}, ""},
		{"postgres URL without port or sslmode", map[string]string{"DATABASE_URL": "postgresql://u:pw-1@db1/x"}, []string{"db1|5432|postgres|DATABASE_URL"}, ""},
		// Several hosts do not parse as a URL, so the display form (all this
		// package reads) is fully redacted.
		{"postgres URL with several hosts", map[string]string{"DATABASE_URL": "postgres://u:pw-1@db1:5433,db2/x"}, nil, "fully redacted"},
		{"sslmode=disable is DNS only", map[string]string{"DATABASE_URL": "postgres://u:pw@db/x?sslmode=disable"}, []string{"db|5432||DATABASE_URL"}, ""},
		{"direct TLS negotiation", map[string]string{"DATABASE_URL": "postgres://u:pw@db/x?sslmode=require&sslnegotiation=direct"}, []string{"db|5432|tls|DATABASE_URL"}, ""},
		{"key/value DSN is never parsed", map[string]string{"DATABASE_URL": "host=db password=kv-pw"}, nil, "fully redacted"},
		{"malformed URL is never parsed", map[string]string{"DATABASE_READ_ONLY_URL": "postgres://u:pw@db:notaport/x"}, nil, "fully redacted"},
		{"SQS queues share one endpoint", map[string]string{
			"MESSAGE_QUEUE_SQS_ASYNC_URL": "https://sqs.eu-west-1.amazonaws.com/1/a", "MESSAGE_QUEUE_SQS_DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/1/d"},
			[]string{"sqs.eu-west-1.amazonaws.com|443|tls|MESSAGE_QUEUE_SQS_ASYNC_URL,MESSAGE_QUEUE_SQS_DLQ_URL"}, ""},
		{"MinIO with and without SSL", map[string]string{"OBJECT_STORAGE_MINIO_ENDPOINT": "minio:9000", "OBJECT_STORAGE_MINIO_USE_SSL": "true"}, []string{"minio|9000|tls|OBJECT_STORAGE_MINIO_ENDPOINT"}, ""},
		{"MinIO plain", map[string]string{"OBJECT_STORAGE_MINIO_ENDPOINT": "minio:9000"}, []string{"minio|9000||OBJECT_STORAGE_MINIO_ENDPOINT"}, ""},
		{"MQTT tls scheme", map[string]string{"MQTT_BROKER_ENDPOINT": "tls://mqtt.example.com:1984", "MQTT_BROKER_TYPE": "builtin"}, []string{"mqtt.example.com|1984|tls|MQTT_BROKER_ENDPOINT"}, ""},
		{"IoT Core bare host", map[string]string{"MQTT_BROKER_ENDPOINT": "abc-ats.iot.eu-west-1.amazonaws.com", "MQTT_BROKER_TYPE": "iotcore"}, []string{"abc-ats.iot.eu-west-1.amazonaws.com|443|tls|MQTT_BROKER_ENDPOINT"}, ""},
		{"OTLP default port", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel"}, []string{"otel|4317||OTEL_EXPORTER_OTLP_ENDPOINT"}, ""},
		{"Datadog agent and Unix socket", map[string]string{"DD_AGENT_HOST": "dd", "DD_TRACE_AGENT_URL": "unix:///var/run/dd.sock"}, []string{"dd|8126||DD_AGENT_HOST"}, "Unix socket"},
		{"server domain and Azure", map[string]string{"SERVER_DOMAIN": "spacelift.example.com", "OBJECT_STORAGE_AZURE_ACCOUNT_URL": "https://acct.blob.core.windows.net"},
			[]string{"spacelift.example.com|443|tls|SERVER_DOMAIN", "acct.blob.core.windows.net|443|tls|OBJECT_STORAGE_AZURE_ACCOUNT_URL"}, ""},
		{"X-Ray tcp and udp", map[string]string{"AWS_XRAY_DAEMON_ADDRESS": "tcp:xray:2000 udp:xray:2000"}, []string{"xray|2000||AWS_XRAY_DAEMON_ADDRESS"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eps, missing := bundle.Endpoints(cli.Backends(), cfgOf(t, c.cfg))
			var got []string
			for _, e := range eps {
				got = append(got, e.Host+"|"+e.Port+"|"+string(e.Handshake)+"|"+strings.Join(e.Vars, ","))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("endpoints\n got %v\nwant %v", got, c.want)
			}
			var why []string
			for _, m := range missing {
				why = append(why, m.Reason)
			}
			if (c.missing == "") != (len(missing) == 0) || !strings.Contains(strings.Join(why, ";"), c.missing) {
				t.Errorf("missing %v, want %q", missing, c.missing)
			}
			for _, m := range missing {
				if strings.Contains(m.Reason, "pw") {
					t.Errorf("a reason quotes the value: %q", m.Reason)
				}
			}
		})
	}
}
