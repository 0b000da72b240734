package config

// Kind is the type of a variable's value.
type Kind int

// Kinds.
const (
	KindString Kind = iota
	KindBool
	KindInt
	KindEnum
)

// Var describes one accepted variable: its Spacelift (environment) name,
// which is a stable contract, and its key in the YAML file.
type Var struct {
	Name    string   // environment name, e.g. SERVER_DOMAIN
	Path    string   // YAML key, e.g. server.domain
	Kind    Kind     // value type
	Enum    []string // allowed values for KindEnum
	Default string   // the value Spacelift implies when unset (type variables)
	Secret  bool     // never printed
	// FileKey lets the YAML give the value as a file: <key>File.
	FileKey bool
	// FoldCase accepts enum values in another letter case (the check then
	// warns, because Spacelift's case-sensitivity is unconfirmed).
	FoldCase bool
	// Origin says whose variable it is: "spacelift", "module" (set by the
	// official modules but not documented), "sdk" (read by a cloud SDK) or
	// "preflight" (this tool's own).
	Origin string
	Doc    string
}

// Spacelift variable names used by the checks. Keep in sync with Vars.
const (
	ServerDomain            = "SERVER_DOMAIN"
	DatabaseURL             = "DATABASE_URL"
	DatabaseReadOnlyURL     = "DATABASE_READ_ONLY_URL"
	ObjectStorageType       = "OBJECT_STORAGE_TYPE"
	ObjectStorageAzureURL   = "OBJECT_STORAGE_AZURE_ACCOUNT_URL"
	MinioEndpoint           = "OBJECT_STORAGE_MINIO_ENDPOINT"
	MinioAccessKeyID        = "OBJECT_STORAGE_MINIO_ACCESS_KEY_ID"
	MinioSecretAccessKey    = "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY"
	MinioUseSSL             = "OBJECT_STORAGE_MINIO_USE_SSL"
	MinioAllowInsecure      = "OBJECT_STORAGE_MINIO_ALLOW_INSECURE"
	UploadsURL              = "OBJECT_STORAGE_BUCKET_UPLOADS_URL"
	EncryptionType          = "ENCRYPTION_TYPE"
	KMSEncryptionKeyID      = "ENCRYPTION_KMS_ENCRYPTION_KEY_ID"
	KMSSigningKeyID         = "ENCRYPTION_KMS_SIGNING_KEY_ID"
	RSAPrivateKey           = "ENCRYPTION_RSA_PRIVATE_KEY"
	MessageQueueType        = "MESSAGE_QUEUE_TYPE"
	MQTTBrokerType          = "MQTT_BROKER_TYPE"
	MQTTBrokerEndpoint      = "MQTT_BROKER_ENDPOINT"
	MQTTIoTCoreNamespace    = "MQTT_BROKER_IOTCORE_NAMESPACE"
	MQTTBuiltinLogLevel     = "MQTT_BROKER_BUILTIN_LOG_LEVEL"
	ObservabilityVendor     = "OBSERVABILITY_VENDOR"
	DDAgentHost             = "DD_AGENT_HOST"
	DDTraceAgentPort        = "DD_TRACE_AGENT_PORT"
	DDTraceAgentURL         = "DD_TRACE_AGENT_URL"
	XRayDaemonAddress       = "AWS_XRAY_DAEMON_ADDRESS"
	OTLPEndpoint            = "OTEL_EXPORTER_OTLP_ENDPOINT"
	OTLPProtocol            = "OTEL_EXPORTER_OTLP_PROTOCOL"
	AWSRegion               = "AWS_REGION"
	AWSDefaultRegion        = "AWS_DEFAULT_REGION"
	AWSAccountID            = "AWS_ACCOUNT_ID"
	AWSPartition            = "AWS_PARTITION"
	AWSSecondaryRegion      = "AWS_SECONDARY_REGION"
	AWSAccessKeyID          = "AWS_ACCESS_KEY_ID"
	AWSSecretAccessKey      = "AWS_SECRET_ACCESS_KEY"
	AWSSessionToken         = "AWS_SESSION_TOKEN"
	GCPProject              = "GCP_PROJECT"
	GoogleCredentials       = "GOOGLE_APPLICATION_CREDENTIALS"
	AzureConnectionString   = "AZURE_STORAGE_CONNECTION_STRING"
	AzureStorageKey         = "AZURE_STORAGE_KEY"
	LicenseType             = "LICENSE_TYPE"
	LicenseToken            = "LICENSE_TOKEN"
	AdminUsername           = "ADMIN_USERNAME"
	AdminPassword           = "ADMIN_PASSWORD"
	WebhooksEndpoint        = "WEBHOOKS_ENDPOINT"
	MQTTClientUsername      = "SPACECTL_PREFLIGHT_MQTT_USERNAME"
	MQTTClientPassword      = "SPACECTL_PREFLIGHT_MQTT_PASSWORD"
	MQTTClientCAFile        = "SPACECTL_PREFLIGHT_MQTT_CA_FILE"
	MQTTClientCertFile      = "SPACECTL_PREFLIGHT_MQTT_CLIENT_CERT_FILE"
	MQTTClientKeyFile       = "SPACECTL_PREFLIGHT_MQTT_CLIENT_KEY_FILE"
	JWTPublicKey            = "SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY"
	PostgresMinConnections  = "SPACECTL_PREFLIGHT_POSTGRES_MIN_MAX_CONNECTIONS"
	ObjectStorageUsageAnaly = "OBJECT_STORAGE_BUCKET_USAGE_ANALYTICS"
	// storage (issue 4)
	AWSEndpointURLS3    = "AWS_ENDPOINT_URL_S3"
	StorageEmulatorHost = "STORAGE_EMULATOR_HOST"
)

// Bucket is one of the ten object-storage buckets Spacelift needs.
type Bucket struct {
	Purpose string // stable ID suffix: storage.bucket.<Purpose>
	Var     string // OBJECT_STORAGE_BUCKET_*
	Key     string // YAML key under objectStorage.buckets
	Title   string
}

// Buckets lists the ten required buckets in documentation order. It
// returns a new slice each time, so no caller can change the table.
func Buckets() []Bucket {
	return []Bucket{
		{"deliveries", "OBJECT_STORAGE_BUCKET_DELIVERIES", "deliveries", "Deliveries"},
		{"large-queue-messages", "OBJECT_STORAGE_BUCKET_LARGE_QUEUE_MESSAGES", "largeQueueMessages", "Large queue messages"},
		{"metadata", "OBJECT_STORAGE_BUCKET_METADATA", "metadata", "Metadata"},
		{"modules", "OBJECT_STORAGE_BUCKET_MODULES", "modules", "Modules"},
		{"policy-inputs", "OBJECT_STORAGE_BUCKET_POLICY_INPUTS", "policyInputs", "Policy inputs"},
		{"run-logs", "OBJECT_STORAGE_BUCKET_RUN_LOGS", "runLogs", "Run logs"},
		{"states", "OBJECT_STORAGE_BUCKET_STATES", "states", "States"},
		{"uploads", "OBJECT_STORAGE_BUCKET_UPLOADS", "uploads", "Uploads"},
		{"user-uploaded-workspaces", "OBJECT_STORAGE_BUCKET_USER_UPLOADED_WORKSPACES", "userUploadedWorkspaces", "User uploaded workspaces"},
		{"workspace", "OBJECT_STORAGE_BUCKET_WORKSPACE", "workspace", "Workspace"},
	}
}

// Queue is one of the eight SQS queues Spacelift needs.
type Queue struct {
	Name  string // stable ID suffix: queue.sqs.<Name>
	Var   string // MESSAGE_QUEUE_SQS_*_URL
	Key   string // YAML key under messageQueue.sqs
	FIFO  bool
	Title string
}

// Queues lists the eight SQS queues, as a new slice each time.
func Queues() []Queue {
	return []Queue{
		{"async", "MESSAGE_QUEUE_SQS_ASYNC_URL", "asyncUrl", false, "Async jobs"},
		{"async-fifo", "MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL", "asyncFifoUrl", true, "Async jobs (FIFO)"},
		{"cronjobs", "MESSAGE_QUEUE_SQS_CRONJOBS_URL", "cronjobsUrl", false, "Cron jobs"},
		{"dlq", "MESSAGE_QUEUE_SQS_DLQ_URL", "dlqUrl", false, "Dead-letter queue"},
		{"dlq-fifo", "MESSAGE_QUEUE_SQS_DLQ_FIFO_URL", "dlqFifoUrl", true, "Dead-letter queue (FIFO)"},
		{"events-inbox", "MESSAGE_QUEUE_SQS_EVENTS_INBOX_URL", "eventsInboxUrl", false, "Events inbox"},
		{"iot", "MESSAGE_QUEUE_SQS_IOT_URL", "iotUrl", false, "IoT messages"},
		{"webhooks", "MESSAGE_QUEUE_SQS_WEBHOOKS_URL", "webhooksUrl", false, "Webhooks"},
	}
}

func s(name, path, doc string) Var { return Var{Name: name, Path: path, Origin: "spacelift", Doc: doc} }
func sec(v Var) Var                { v.Secret = true; return v }
func origin(o string, v Var) Var   { v.Origin = o; return v }
func file(v Var) Var               { v.FileKey = true; return v }
func boolean(v Var) Var            { v.Kind = KindBool; return v }
func integer(v Var) Var            { v.Kind = KindInt; return v }
func enum(v Var, def string, values ...string) Var {
	v.Kind, v.Enum, v.Default = KindEnum, values, def
	return v
}

// Vars returns every accepted variable, in documentation order. It is built
// on each call so no package-level mutable table exists.
func Vars() []Var {
	vs := []Var{
		s(ServerDomain, "server.domain", "Bare hostname of the Spacelift UI/API, e.g. spacelift.example.com."),
		origin("module", s(WebhooksEndpoint, "server.webhooksEndpoint", "https://SERVER_DOMAIN/webhooks.")),
		sec(s(DatabaseURL, "database.url", "PostgreSQL URL in pgx syntax.")),
		sec(s(DatabaseReadOnlyURL, "database.readOnlyUrl", "Optional read-replica URL.")),
		enum(s(ObjectStorageType, "objectStorage.type", "Object storage backend."), "aws", "aws", "gcp", "azure", "minio"),
	}
	for _, b := range Buckets() {
		vs = append(vs, s(b.Var, "objectStorage.buckets."+b.Key, b.Title+" bucket name."))
	}
	vs = append(vs,
		s(UploadsURL, "objectStorage.uploadsUrl", "Public URL browsers upload to (used for the CSP)."),
		origin("module", s(ObjectStorageUsageAnaly, "objectStorage.buckets.usageAnalytics", "Always empty in the official modules.")),
		s(ObjectStorageAzureURL, "objectStorage.azure.accountUrl", "https://ACCOUNT.blob.core.windows.net"),
		sec(origin("sdk", s(AzureConnectionString, "objectStorage.azure.connectionString", "Azure storage connection string (instead of DefaultAzureCredential)."))),
		sec(origin("sdk", s(AzureStorageKey, "objectStorage.azure.accountKey", "Azure storage shared key (instead of DefaultAzureCredential)."))),
		s(MinioEndpoint, "objectStorage.minio.endpoint", "host:port, no scheme."),
		s(MinioAccessKeyID, "objectStorage.minio.accessKeyId", "MinIO access key ID."),
		sec(s(MinioSecretAccessKey, "objectStorage.minio.secretAccessKey", "MinIO secret access key.")),
		boolean(s(MinioUseSSL, "objectStorage.minio.useSsl", "Use HTTPS to reach MinIO (default false).")),
		boolean(s(MinioAllowInsecure, "objectStorage.minio.allowInsecure", "Accept a self-signed MinIO certificate (default false).")),
		// storage (issue 4): the SDKs' standard endpoint overrides, so a YAML
		// file can point the storage checks at an S3-compatible store or the
		// GCS emulator the same way the environment does.
		origin("sdk", s(AWSEndpointURLS3, "objectStorage.aws.endpointUrl", "S3 endpoint override (path-style addressing is used when set).")),
		origin("sdk", s(StorageEmulatorHost, "objectStorage.gcp.emulatorHost", "GCS emulator host:port (tests only).")),
		enum(s(EncryptionType, "encryption.type", "Encryption backend; cannot be changed after install."), "kms", "kms", "rsa"),
		s(KMSEncryptionKeyID, "encryption.kms.encryptionKeyId", "KMS key (ID, ARN or alias) for encryption."),
		s(KMSSigningKeyID, "encryption.kms.signingKeyId", "KMS key (ID, ARN or alias) for JWT signing."),
		file(sec(s(RSAPrivateKey, "encryption.rsa.privateKey", "Base64 (one line) of an unencrypted PEM RSA private key."))),
		file(origin("preflight", s(JWTPublicKey, "jwt.publicKey", "Expected JWT public key (PEM, JWK or JWKS) to compare with the signing key."))),
		enum(s(MessageQueueType, "messageQueue.type", "Message queue backend."), "sqs", "sqs", "postgres"),
	)
	for _, q := range Queues() {
		vs = append(vs, s(q.Var, "messageQueue.sqs."+q.Key, q.Title+" queue URL."))
	}
	vs = append(vs,
		enum(s(MQTTBrokerType, "mqtt.brokerType", "MQTT broker type."), "iotcore", "iotcore", "builtin"),
		s(MQTTBrokerEndpoint, "mqtt.endpoint", "Endpoint workers connect to."),
		s(MQTTIoTCoreNamespace, "mqtt.iotcoreNamespace", "IoT Core topic namespace (default spacelift)."),
		s(MQTTBuiltinLogLevel, "mqtt.builtinLogLevel", "Built-in broker log level (default error)."),
		origin("preflight", s(MQTTClientUsername, "mqtt.client.username", "Username for the MQTT round-trip test.")),
		sec(origin("preflight", s(MQTTClientPassword, "mqtt.client.password", "Password for the MQTT round-trip test."))),
		origin("preflight", s(MQTTClientCAFile, "mqtt.client.caFile", "CA bundle that signs the broker certificate.")),
		origin("preflight", s(MQTTClientCertFile, "mqtt.client.certFile", "Client certificate for mTLS.")),
		origin("preflight", s(MQTTClientKeyFile, "mqtt.client.keyFile", "Client key for mTLS.")),
		func() Var {
			v := enum(s(ObservabilityVendor, "observability.vendor", "Telemetry vendor (unset means Disabled)."), "Disabled", "Datadog", "AWS", "OpenTelemetry", "Disabled")
			v.FoldCase = true
			return v
		}(),
		s(DDAgentHost, "observability.datadog.agentHost", "Datadog agent host."),
		origin("sdk", s(DDTraceAgentPort, "observability.datadog.traceAgentPort", "Datadog trace agent port (default 8126).")),
		origin("sdk", s(DDTraceAgentURL, "observability.datadog.traceAgentUrl", "Datadog trace agent URL.")),
		origin("sdk", s("DD_ENV", "observability.datadog.env", "Datadog environment tag.")),
		origin("sdk", s("DD_TAGS", "observability.datadog.tags", "Datadog tags.")),
		origin("sdk", s("DD_TRACE_SAMPLE_RATE", "observability.datadog.traceSampleRate", "Datadog sample rate.")),
		origin("sdk", s("DD_SERVICE", "observability.datadog.service", "Spacelift says not to set it.")),
		s(XRayDaemonAddress, "observability.xray.daemonAddress", "X-Ray daemon host:port."),
		origin("sdk", s("AWS_XRAY_CONTEXT_MISSING", "observability.xray.contextMissing", "X-Ray context-missing strategy.")),
		origin("sdk", s("AWS_XRAY_TRACING_NAME", "observability.xray.tracingName", "Spacelift says not to set it.")),
		s(OTLPEndpoint, "observability.otel.endpoint", "OTLP/gRPC endpoint, http://host:4317."),
		origin("sdk", s(OTLPProtocol, "observability.otel.protocol", "Must be grpc when set.")),
		origin("sdk", s("OTEL_SERVICE_NAME", "observability.otel.serviceName", "Spacelift says not to set it.")),
		s(AWSRegion, "aws.region", "AWS region."),
		s(AWSDefaultRegion, "aws.defaultRegion", "Must equal AWS_REGION."),
		s(AWSAccountID, "aws.accountId", "12-digit AWS account ID."),
		s(AWSPartition, "aws.partition", "aws, aws-us-gov or aws-cn (default aws)."),
		s(AWSSecondaryRegion, "aws.secondaryRegion", "Disaster-recovery region."),
		origin("sdk", s(AWSAccessKeyID, "aws.accessKeyId", "Static AWS credentials (otherwise the default chain).")),
		sec(origin("sdk", s(AWSSecretAccessKey, "aws.secretAccessKey", "Static AWS secret key."))),
		sec(origin("sdk", s(AWSSessionToken, "aws.sessionToken", "Static AWS session token."))),
		origin("module", s("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "aws.s3UsEast1RegionalEndpoint", "Set to regional by the ECS module.")),
		s(GCPProject, "gcp.project", "Google Cloud project."),
		origin("sdk", s(GoogleCredentials, "gcp.credentialsFile", "Service-account key file (otherwise ADC).")),
		enum(s(LicenseType, "license.type", "License type."), "aws", "aws", "jwt"),
		sec(s(LicenseToken, "license.token", "License JWT from Spacelift.")),
		s(AdminUsername, "admin.username", "Initial admin user name."),
		sec(s(AdminPassword, "admin.password", "Initial admin password.")),
		s("SPACELIFT_PUBLIC_API", "spacelift.publicApi", "Usage reporting API, https://app.spacelift.io."),
		integer(s("MESSAGE_PROCESSING_TIMEOUT_SECONDS", "spacelift.messageProcessingTimeoutSeconds", "Default 900.")),
		s("SLACK_APP_CLIENT_ID", "slack.appClientId", "Slack app client ID."),
		sec(s("SLACK_APP_CLIENT_SECRET", "slack.appClientSecret", "Slack app client secret.")),
		sec(s("SLACK_SECRET", "slack.secret", "Slack signing secret.")),
		origin("module", s("ENVIRONMENT", "spacelift.environment", "prod in the official modules.")),
		origin("module", s("LAUNCHER_IMAGE", "drain.launcherImage", "Launcher image repository.")),
		origin("module", s("LAUNCHER_IMAGE_TAG", "drain.launcherImageTag", "Launcher image tag.")),
		origin("module", s("VCS_GATEWAY_ENDPOINT", "spacelift.vcsGatewayEndpoint", "VCS gateway host:443.")),
		origin("module", boolean(s("DRAIN_SCHEDULER_ENABLED", "drain.schedulerEnabled", "Run the scheduler inside the drain."))),
		integer(origin("preflight", s(PostgresMinConnections, "database.minMaxConnections", "Warn when max_connections is below this (default 100)."))),
	)
	for _, d := range []struct{ v, k string }{
		{"ASYNC_JOBS", "asyncJobs"}, {"ASYNC_JOBS_FIFO", "asyncJobsFifo"}, {"CRONJOBS", "cronjobs"}, {"DLQ", "dlq"},
		{"DLQ_FIFO", "dlqFifo"}, {"EVENTS", "events"}, {"IOT", "iot"}, {"WEBHOOKS", "webhooks"},
	} {
		vs = append(vs, integer(origin("module", s("DRAIN_CONCURRENCY_"+d.v, "drain.concurrency."+d.k, "Drain workers for this queue."))))
	}
	return vs
}

// Lookup finds a variable by its environment name.
func Lookup(name string) (Var, bool) {
	for _, v := range Vars() {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}
