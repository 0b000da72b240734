package configcheck

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Compat checks rules that span several variables.
func Compat(cfg *config.Config) checks.Result {
	var fs findings
	if cfg.MQTTBroker() == "iotcore" && cfg.MessageQueue() != "sqs" {
		fs.fail(config.MQTTBrokerType, "iotcore requires MESSAGE_QUEUE_TYPE=sqs, but it is "+cfg.MessageQueue(),
			"IoT Core delivers worker messages through an IoT topic rule into SQS. Either set MQTT_BROKER_TYPE=builtin (recommended for new installs), or use MESSAGE_QUEUE_TYPE=sqs with the eight MESSAGE_QUEUE_SQS_*_URL queues.")
	}
	for _, t := range []struct{ name, newInstall string }{
		{config.ObjectStorageType, "set it explicitly (aws, gcp, azure or minio)"},
		{config.EncryptionType, "set it explicitly (kms or rsa); the encryption type can never be changed after install, so decide now"},
		{config.MessageQueueType, "set it explicitly; postgres is recommended for new installs"},
		{config.MQTTBrokerType, "set it explicitly; builtin is recommended for new installs"},
		{config.LicenseType, "set it explicitly; the official v3 modules use jwt"},
	} {
		if v, implied := cfg.TypeOf(t.name); implied {
			fs.warn(t.name, "not set, so Spacelift falls back to the legacy AWS default "+v, t.newInstall)
		}
	}
	for _, n := range []string{"DD_SERVICE", "AWS_XRAY_TRACING_NAME", "OTEL_SERVICE_NAME"} {
		if cfg.Has(n) {
			fs.warn(n, "is set, but Spacelift says not to set it (it names its services itself)", "unset "+n)
		}
	}
	vendor := cfg.Observability()
	if vendor == "Disabled" {
		for _, n := range []string{config.DDAgentHost, config.XRayDaemonAddress, config.OTLPEndpoint} {
			if cfg.Has(n) {
				fs.warn(n, "is set, but OBSERVABILITY_VENDOR is Disabled (or unset), so it is ignored",
					"set OBSERVABILITY_VENDOR to the vendor you use, or remove "+n)
			}
		}
	}
	if cfg.Has(config.AdminUsername) != cfg.Has(config.AdminPassword) {
		fs.warn(config.AdminUsername, "only one of ADMIN_USERNAME and ADMIN_PASSWORD is set, so /admin-login stays disabled",
			"set both to enable the initial admin login, or neither")
	}
	res := fs.result(cfg, "the chosen backends are compatible")
	enc := cfg.Encryption()
	return res.With(
		checks.KV("object storage", cfg.ObjectStorage()),
		checks.KV("encryption", enc+" (permanent: it cannot be changed after install)"),
		checks.KV("message queue", cfg.MessageQueue()),
		checks.KV("mqtt broker", cfg.MQTTBroker()),
		checks.KV("observability", vendor),
	)
}
