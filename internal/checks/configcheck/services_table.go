package configcheck

// The services of a Spacelift install: each gets the shared Secret plus
// its own (Helm chart spacelift-self-hosted: server and drain envFrom
// shared.secretRef and their own secretRef; the scheduler gets shared
// only).
const (
	svcServer    = "server"
	svcDrain     = "drain"
	svcScheduler = "scheduler"
)

func allServices() []string { return []string{svcServer, svcDrain, svcScheduler} }

// use says which services read some variables. No Spacelift source lists
// what each service reads: the table is derived from the official Secret
// layouts, ECS's per-container variables and the IAM module's per-role
// grants (docs/checks/config.services.md gives the sources). firm rows
// are backed by a source (the IAM module grants the role access to what
// the variable names, every official layout gives the variable to the
// service, or the modules' fix history says so): a missing required
// variable fails there. Every other row only warns.
type use struct {
	services []string
	firm     bool
	vars     []string
}

func serviceUses() []use {
	all := allServices()
	serverDrain := []string{svcServer, svcDrain}
	return []use{
		// Every service uses the database, the encryption keys and the
		// queue; the IAM module grants all three roles the KMS keys, and
		// the scheduler sqs:SendMessage on cronjobs.
		{all, true, []string{"DATABASE_URL", "ENCRYPTION_TYPE", "ENCRYPTION_KMS_ENCRYPTION_KEY_ID", "ENCRYPTION_KMS_SIGNING_KEY_ID",
			"ENCRYPTION_RSA_PRIVATE_KEY", "MESSAGE_QUEUE_TYPE", "MESSAGE_QUEUE_SQS_CRONJOBS_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCOUNT_ID"}},
		{all, false, []string{"DATABASE_READ_ONLY_URL", "AWS_PARTITION", "ENVIRONMENT", "OBSERVABILITY_VENDOR", "ADDITIONAL_ROOT_CAS"}},
		// The server and the drain use object storage (the IAM module's
		// drain-and-server statements cover every bucket but uploads), the
		// broker (iot:Publish for both), and send to these queues.
		{serverDrain, true, []string{"OBJECT_STORAGE_TYPE",
			"OBJECT_STORAGE_BUCKET_DELIVERIES", "OBJECT_STORAGE_BUCKET_LARGE_QUEUE_MESSAGES", "OBJECT_STORAGE_BUCKET_METADATA",
			"OBJECT_STORAGE_BUCKET_MODULES", "OBJECT_STORAGE_BUCKET_POLICY_INPUTS", "OBJECT_STORAGE_BUCKET_RUN_LOGS",
			"OBJECT_STORAGE_BUCKET_STATES", "OBJECT_STORAGE_BUCKET_USER_UPLOADED_WORKSPACES", "OBJECT_STORAGE_BUCKET_WORKSPACE",
			"OBJECT_STORAGE_MINIO_ENDPOINT", "OBJECT_STORAGE_MINIO_ACCESS_KEY_ID", "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY",
			"OBJECT_STORAGE_MINIO_USE_SSL", "OBJECT_STORAGE_MINIO_ALLOW_INSECURE", "OBJECT_STORAGE_AZURE_ACCOUNT_URL",
			"MQTT_BROKER_TYPE", "MQTT_BROKER_ENDPOINT",
			"MESSAGE_QUEUE_SQS_ASYNC_URL", "MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL", "MESSAGE_QUEUE_SQS_EVENTS_INBOX_URL", "MESSAGE_QUEUE_SQS_WEBHOOKS_URL"}},
		{serverDrain, false, []string{"GCP_PROJECT", "MQTT_BROKER_IOTCORE_NAMESPACE"}},
		{[]string{svcServer}, true, []string{"SERVER_DOMAIN", "LICENSE_TYPE", "LICENSE_TOKEN", "OBJECT_STORAGE_BUCKET_UPLOADS", "OBJECT_STORAGE_BUCKET_UPLOADS_URL"}},
		{[]string{svcDrain, svcScheduler}, false, []string{"SERVER_DOMAIN", "LICENSE_TYPE", "LICENSE_TOKEN"}},
		{[]string{svcServer}, false, []string{"ADMIN_USERNAME", "ADMIN_PASSWORD", "WEBHOOKS_ENDPOINT", "SAML_CERT", "SAML_KEY",
			"FEDERATION_CUSTOM_ISSUER", "FEDERATION_CUSTOM_JWKS_URI", "VCS_GATEWAY_ENDPOINT"}},
		// The drain consumes all eight queues (iam_drain.tf); ECS gives it
		// alone the dead-letter and IoT queues.
		{[]string{svcDrain}, true, []string{"MESSAGE_QUEUE_SQS_DLQ_URL", "MESSAGE_QUEUE_SQS_DLQ_FIFO_URL", "MESSAGE_QUEUE_SQS_IOT_URL"}},
		{[]string{svcDrain}, false, []string{"LAUNCHER_IMAGE", "LAUNCHER_IMAGE_TAG", "SPACELIFT_PUBLIC_API", "DRAIN_SCHEDULER_ENABLED",
			"DRAIN_CONCURRENCY_ASYNC_JOBS", "DRAIN_CONCURRENCY_ASYNC_JOBS_FIFO", "DRAIN_CONCURRENCY_CRONJOBS", "DRAIN_CONCURRENCY_DLQ",
			"DRAIN_CONCURRENCY_DLQ_FIFO", "DRAIN_CONCURRENCY_EVENTS", "DRAIN_CONCURRENCY_IOT", "DRAIN_CONCURRENCY_WEBHOOKS"}},
	}
}

// usesOf returns, for each variable the table names, which services read
// it and whether that is firm.
func usesOf() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for _, u := range serviceUses() {
		for _, v := range u.vars {
			if m[v] == nil {
				m[v] = map[string]bool{}
			}
			for _, s := range u.services {
				m[v][s] = m[v][s] || u.firm
			}
		}
	}
	return m
}
