package storage

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Variable names.
const (
	TypeVar               = "OBJECT_STORAGE_TYPE"
	UploadsURL            = "OBJECT_STORAGE_BUCKET_UPLOADS_URL"
	UsageAnalytics        = "OBJECT_STORAGE_BUCKET_USAGE_ANALYTICS"
	AzureAccountURL       = "OBJECT_STORAGE_AZURE_ACCOUNT_URL"
	AzureConnectionString = "AZURE_STORAGE_CONNECTION_STRING"
	AzureStorageKey       = "AZURE_STORAGE_KEY"
	MinioEndpoint         = "OBJECT_STORAGE_MINIO_ENDPOINT"
	MinioAccessKeyID      = "OBJECT_STORAGE_MINIO_ACCESS_KEY_ID"
	MinioSecretAccessKey  = "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY"
	MinioUseSSL           = "OBJECT_STORAGE_MINIO_USE_SSL"
	MinioAllowInsecure    = "OBJECT_STORAGE_MINIO_ALLOW_INSECURE"
	AWSEndpointURLS3      = "AWS_ENDPOINT_URL_S3"
	StorageEmulatorHost   = "STORAGE_EMULATOR_HOST"
	GCPProject            = "GCP_PROJECT"
	GoogleCredentials     = "GOOGLE_APPLICATION_CREDENTIALS"
	AzureSubscriptionID   = "AZURE_SUBSCRIPTION_ID"
	AzureResourceGroup    = "SPACECTL_PREFLIGHT_AZURE_RESOURCE_GROUP"
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

// Type is the effective OBJECT_STORAGE_TYPE.
func Type(cfg *config.Config) string { v, _ := cfg.TypeOf(TypeVar); return v }

// Backend is object storage: the ten buckets on S3, GCS, Azure Blob or
// MinIO.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Object storage"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	vs := []config.Var{config.Spacelift(TypeVar, "objectStorage.type", "Object storage backend.").OneOf("aws", "aws", "gcp", "azure", "minio")}
	for _, b := range Buckets() {
		vs = append(vs, config.Spacelift(b.Var, "objectStorage.buckets."+b.Key, b.Title+" bucket name."))
	}
	return append(vs,
		config.Spacelift(UploadsURL, "objectStorage.uploadsUrl", "Public URL browsers upload to (used for the CSP)."),
		config.Module(UsageAnalytics, "objectStorage.buckets.usageAnalytics", "Always empty in the official modules."),
		config.Spacelift(AzureAccountURL, "objectStorage.azure.accountUrl", "https://ACCOUNT.blob.core.windows.net"),
		config.SDK(AzureConnectionString, "objectStorage.azure.connectionString", "Azure storage connection string (instead of DefaultAzureCredential).").Sensitive(),
		config.SDK(AzureStorageKey, "objectStorage.azure.accountKey", "Azure storage shared key (instead of DefaultAzureCredential).").Sensitive(),
		// The storage account's management policy and Blob service
		// properties are Azure Resource Manager resources: these two locate
		// them (storage.lifecycle, storage.versioning).
		config.SDK(AzureSubscriptionID, "azure.subscriptionId", "Subscription of the storage account (Azure CLI/SDK variable); with the resource group, storage.lifecycle reads its management policy and storage.versioning its versioning setting."),
		config.Tool(AzureResourceGroup, "objectStorage.azure.resourceGroup", "Resource group of the storage account; with AZURE_SUBSCRIPTION_ID, storage.lifecycle reads its management policy and storage.versioning its versioning setting."),
		config.Spacelift(MinioEndpoint, "objectStorage.minio.endpoint", "host:port, no scheme."),
		config.Spacelift(MinioAccessKeyID, "objectStorage.minio.accessKeyId", "MinIO access key ID."),
		config.Spacelift(MinioSecretAccessKey, "objectStorage.minio.secretAccessKey", "MinIO secret access key.").Sensitive(),
		config.Spacelift(MinioUseSSL, "objectStorage.minio.useSsl", "Use HTTPS to reach MinIO (default false).").Boolean(),
		config.Spacelift(MinioAllowInsecure, "objectStorage.minio.allowInsecure", "Accept a self-signed MinIO certificate (default false).").Boolean(),
		// The SDKs' standard endpoint overrides, so a YAML file can point the
		// storage checks at an S3-compatible store or the GCS emulator the
		// same way the environment does.
		config.SDK(AWSEndpointURLS3, "objectStorage.aws.endpointUrl", "S3 endpoint override (path-style addressing is used when set)."),
		config.SDK(StorageEmulatorHost, "objectStorage.gcp.emulatorHost", "GCS emulator host:port (tests only)."),
		config.Spacelift(GCPProject, "gcp.project", "Google Cloud project."),
		config.SDK(GoogleCredentials, "gcp.credentialsFile", "Service-account key file (otherwise ADC)."),
	)
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	var rs []checks.Requirement
	for _, b := range Buckets() {
		rs = append(rs, checks.Requirement{Var: b.Var, Why: b.Title + " bucket"})
	}
	rs = append(rs, checks.Requirement{Var: UploadsURL, Why: "used to build the frontend's Content-Security-Policy"})
	switch Type(cfg) {
	case "minio":
		for _, v := range []string{MinioEndpoint, MinioAccessKeyID, MinioSecretAccessKey} {
			rs = append(rs, checks.Requirement{Var: v, Why: "OBJECT_STORAGE_TYPE=minio"})
		}
	case "azure":
		rs = append(rs, checks.Requirement{Var: AzureAccountURL, Why: "OBJECT_STORAGE_TYPE=azure"})
	case "gcp":
		rs = append(rs, checks.Requirement{Var: GCPProject, Warn: true, Why: "the docs say it must be set for Google Cloud; the official module omits it"})
	case "aws":
		rs = append(rs, awsenv.Requirements()...)
	}
	return rs
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	reviewBuckets(cfg, r)
	reviewEndpoints(cfg, r)
	r.Implied(cfg, TypeVar, "set it explicitly (aws, gcp, azure or minio)")
	r.Compat.Detail("object storage", Type(cfg))
}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	if v, ok := cfg.Display(MinioEndpoint); ok {
		hs, port := checks.NoTLS, "80"
		if cfg.Bool(MinioUseSSL) {
			hs, port = checks.DirectTLS, "443"
		}
		if strings.Contains(v, "://") {
			e.WebURL(MinioEndpoint, v, "")
		} else if h, p, err := net.SplitHostPort(v); err == nil {
			e.Add(MinioEndpoint, h, p, hs)
		} else {
			e.Add(MinioEndpoint, v, port, hs)
		}
	}
	for _, name := range []string{AzureAccountURL, UploadsURL} {
		if v, ok := cfg.Display(name); ok {
			e.WebURL(name, v, "")
		}
	}
}

// Bucket naming rules per backend.
var (
	s3BucketRe     = checks.LazyRegexp(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	gcsBucketRe    = checks.LazyRegexp(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	azureBucketRe  = checks.LazyRegexp(`^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$`)
	ipShapedRe     = checks.LazyRegexp(`^\d+\.\d+\.\d+\.\d+$`)
	azureAccountRe = checks.LazyRegexp(`^https://[a-z0-9]{3,24}\.blob\.[a-z0-9.-]+$`)
)

func reviewBuckets(cfg *config.Config, r *checks.Review) {
	backend := Type(cfg)
	seen := map[string]string{}
	for _, b := range Buckets() {
		name := cfg.Get(b.Var)
		if name == "" {
			continue
		}
		if problem, advice := bucketName(backend, name); problem != "" {
			r.Values.Fail(b.Var, advice, "%s", problem)
			continue
		}
		if other, ok := seen[name]; ok {
			r.Values.Warn(b.Var, "the official modules use ten distinct buckets with different lifecycle rules; sharing one is unconfirmed by Spacelift",
				"names the same bucket as %s (%q)", other, name)
		}
		seen[name] = b.Var
	}
	if !cfg.Has(UploadsURL) {
		return
	}
	raw := cfg.Get(UploadsURL)
	u, err := url.Parse(raw)
	switch {
	case secret.HasCredentials(raw):
		r.Values.Fail(UploadsURL, uploadsURLAdvice(backend)+"; browsers upload with pre-signed URLs, so it carries no credentials", "%s holds credentials", secret.ShowURL(raw))
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		r.Values.Fail(UploadsURL, uploadsURLAdvice(backend), "%q is not an absolute http(s) URL", raw)
	case u.Scheme == "http" && !(backend == "minio" && !cfg.Bool(MinioUseSSL)):
		r.Values.Warn(UploadsURL, uploadsURLAdvice(backend), "%q uses plain http; browsers on an https Spacelift page will block uploads to it", raw)
	}
}

func bucketName(backend, name string) (problem, advice string) {
	exact := "write the bucket name exactly, with nothing around it; Spacelift answers 400 Bad Request otherwise"
	switch {
	case name != strings.TrimSpace(name) || strings.ContainsAny(name, " \t\r\n"):
		return fmt.Sprintf("%q contains whitespace", name), exact
	case strings.Contains(name, "://"):
		return fmt.Sprintf("%q has a scheme prefix; Spacelift wants the bare bucket name", name), exact
	case strings.Contains(name, "/"):
		return fmt.Sprintf("%q contains a slash; Spacelift wants the bare bucket name", name), exact
	}
	switch backend {
	case "gcp":
		if !gcsBucketRe().MatchString(name) || strings.HasPrefix(name, "goog") {
			return fmt.Sprintf("%q is not a valid GCS bucket name", name), "use 3-63 lowercase letters, digits, -, _ and ., starting and ending with a letter or digit"
		}
	case "azure":
		if !azureBucketRe().MatchString(name) {
			return fmt.Sprintf("%q is not a valid Azure container name", name), "use 3-63 lowercase letters, digits and single hyphens, starting with a letter or digit"
		}
	default:
		if !s3BucketRe().MatchString(name) || ipShapedRe().MatchString(name) || strings.Contains(name, "..") {
			return fmt.Sprintf("%q is not a valid S3 bucket name", name), "use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
		}
	}
	return "", ""
}

func uploadsURLAdvice(backend string) string {
	switch backend {
	case "gcp":
		return "set it to https://storage.googleapis.com"
	case "azure":
		return "set it to the storage account URL, https://ACCOUNT.blob.core.windows.net"
	case "minio":
		return "set it to MinIO's public address as browsers reach it, e.g. https://minio.example.com"
	}
	return "set it to https://BUCKET.s3.REGION.amazonaws.com for the uploads bucket"
}

func reviewEndpoints(cfg *config.Config, r *checks.Review) {
	if ep := cfg.Get(MinioEndpoint); ep != "" && Type(cfg) == "minio" {
		if ui := secret.ParseUserinfo(ep); ui.Found {
			// Never quoted: it holds a password, perhaps not URL-encoded.
			r.Values.Fail(MinioEndpoint, "remove USER:PASSWORD@; "+minioEndpointAdvice, "holds a user name and password (USER:PASSWORD@ before the host)")
		} else if strings.Contains(ep, "://") {
			r.Values.Fail(MinioEndpoint, "remove http:// or https://; set OBJECT_STORAGE_MINIO_USE_SSL=true for HTTPS", "%q has a scheme; Spacelift wants host:port", ep)
		} else if _, port, err := net.SplitHostPort(ep); err != nil || port == "" {
			r.Values.Warn(MinioEndpoint, "write host:port, e.g. minio.example.com:9000", "%q has no port", ep)
		} else if host, _, _ := net.SplitHostPort(ep); configcheck.InCluster(host) {
			// Pre-signed URLs name this host: browsers uploading state
			// files and workers fetching workspaces must reach it
			// (deploying-to-onprem.md: "MinIO should also be exposed
			// outside the cluster").
			r.Values.Warn(MinioEndpoint, "expose MinIO outside the cluster (an Ingress or a LoadBalancer Service with a DNS name) and set OBJECT_STORAGE_MINIO_ENDPOINT to that name: pre-signed URLs carry this host, and browsers and workers outside the cluster cannot resolve it.",
				"%q is an in-cluster name, but the pre-signed URLs Spacelift hands to browsers and workers point at it", host)
		}
	}
	if u := cfg.Get(AzureAccountURL); u != "" && Type(cfg) == "azure" {
		if strings.HasSuffix(u, "/") {
			r.Values.Warn(AzureAccountURL, "remove the trailing /", "ends with a slash; the official module trims it")
		} else if !azureAccountRe().MatchString(u) {
			r.Values.Warn(AzureAccountURL, "use the account's primary blob endpoint", "%s is not shaped like https://ACCOUNT.blob.core.windows.net", secret.ShowURL(u))
		}
	}
}
