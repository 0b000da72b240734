package configcheck

import (
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Required fails for every variable that Spacelift needs for the chosen
// backends and that is not set.
func Required(cfg *config.Config) checks.Result {
	var fs findings
	need := func(name, why string) {
		if !cfg.Has(name) {
			fs.fail(name, "not set ("+why+")", setAdvice(name))
		}
	}
	need(config.ServerDomain, "the hostname of the Spacelift UI and API")
	need(config.DatabaseURL, "Spacelift cannot start without PostgreSQL")
	for _, b := range config.Buckets() {
		need(b.Var, b.Title+" bucket")
	}
	need(config.UploadsURL, "used to build the frontend's Content-Security-Policy")

	switch cfg.ObjectStorage() {
	case "minio":
		need(config.MinioEndpoint, "OBJECT_STORAGE_TYPE=minio")
		need(config.MinioAccessKeyID, "OBJECT_STORAGE_TYPE=minio")
		need(config.MinioSecretAccessKey, "OBJECT_STORAGE_TYPE=minio")
	case "azure":
		need(config.ObjectStorageAzureURL, "OBJECT_STORAGE_TYPE=azure")
	case "gcp":
		if !cfg.Has(config.GCPProject) {
			fs.warn(config.GCPProject, "not set (the docs say it must be set for Google Cloud; the official module omits it)", setAdvice(config.GCPProject))
		}
	}
	switch cfg.Encryption() {
	case "kms":
		need(config.KMSEncryptionKeyID, "ENCRYPTION_TYPE=kms")
		need(config.KMSSigningKeyID, "ENCRYPTION_TYPE=kms: signs the JWTs Spacelift issues")
	case "rsa":
		need(config.RSAPrivateKey, "ENCRYPTION_TYPE=rsa")
	}
	if cfg.MessageQueue() == "sqs" {
		for _, q := range config.Queues() {
			need(q.Var, "MESSAGE_QUEUE_TYPE=sqs")
		}
	}
	need(config.MQTTBrokerEndpoint, "workers connect to it")
	switch cfg.Observability() {
	case "Datadog":
		need(config.DDAgentHost, "OBSERVABILITY_VENDOR=Datadog")
	case "AWS":
		need(config.XRayDaemonAddress, "OBSERVABILITY_VENDOR=AWS")
	case "OpenTelemetry":
		need(config.OTLPEndpoint, "OBSERVABILITY_VENDOR=OpenTelemetry")
	}
	if cfg.UsesAWS() {
		for _, n := range []string{config.AWSRegion, config.AWSDefaultRegion, config.AWSAccountID} {
			need(n, "a component uses AWS")
		}
	}
	if cfg.Get(config.LicenseType) == "jwt" {
		need(config.LicenseToken, "LICENSE_TYPE=jwt")
	}
	return fs.result(cfg, "every required variable is set for the chosen backends")
}

// setAdvice names both spellings, so the operator can fix whichever input
// they use.
func setAdvice(name string) string {
	v, ok := config.Lookup(name)
	if !ok {
		return "set it"
	}
	return fmt.Sprintf("set it (YAML key %s)", v.Path)
}
