package configcheck

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Values checks the format of every set variable.
func Values(cfg *config.Config) checks.Result {
	return ValuesAt(cfg, time.Now())
}

// ValuesAt is Values with an injected clock (license expiry).
func ValuesAt(cfg *config.Config, now time.Time) checks.Result {
	var fs findings
	serverDomain(cfg, &fs)
	databaseURLs(cfg, &fs)
	buckets(cfg, &fs)
	storageEndpoints(cfg, &fs)
	queueURLs(cfg, &fs)
	mqttEndpoint(cfg, &fs)
	telemetry(cfg, &fs)
	aws(cfg, &fs)
	license(cfg, &fs, now)
	return fs.result(cfg, "every set variable has the expected format")
}

var hostnameRe = lazyRegexp(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

func serverDomain(cfg *config.Config, fs *findings) {
	d := cfg.Get(config.ServerDomain)
	if d == "" {
		return
	}
	switch {
	case strings.Contains(d, "://"):
		fs.fail(config.ServerDomain, fmt.Sprintf("%q has a scheme; Spacelift wants the bare hostname", d), "write only the hostname, e.g. spacelift.example.com")
	case strings.ContainsAny(d, "/:"):
		fs.fail(config.ServerDomain, fmt.Sprintf("%q has a path or port; Spacelift wants the bare hostname", d), "write only the hostname, e.g. spacelift.example.com")
	case d != strings.TrimSpace(d) || !hostnameRe().MatchString(d):
		fs.fail(config.ServerDomain, fmt.Sprintf("%q is not a valid hostname", d), "use letters, digits, hyphens and dots only, e.g. spacelift.example.com")
	}
	if want := "https://" + d + "/webhooks"; cfg.Has(config.WebhooksEndpoint) && cfg.Get(config.WebhooksEndpoint) != want {
		fs.warn(config.WebhooksEndpoint, fmt.Sprintf("is %q, but the official modules set %q", cfg.Get(config.WebhooksEndpoint), want), "set WEBHOOKS_ENDPOINT="+want)
	}
}

func databaseURLs(cfg *config.Config, fs *findings) {
	for _, name := range []string{config.DatabaseURL, config.DatabaseReadOnlyURL} {
		if !cfg.Has(name) {
			continue
		}
		raw := cfg.Secret(name).Reveal()
		if _, err := pgx.ParseConfig(raw); err != nil {
			// The runner scrubs the message; pgx also redacts the password itself.
			fs.fail(name, "does not parse as a PostgreSQL connection string: "+err.Error(),
				"use postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require; URL-encode special characters in the password (e.g. @ as %40)")
			continue
		}
		if strings.Contains(raw, "://") && !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
			fs.fail(name, "the URL scheme must be postgres:// or postgresql://", "start the URL with postgres://")
		}
	}
}

// Bucket naming rules per backend.
var (
	s3BucketRe    = lazyRegexp(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	gcsBucketRe   = lazyRegexp(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	azureBucketRe = lazyRegexp(`^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$`)
	ipShapedRe    = lazyRegexp(`^\d+\.\d+\.\d+\.\d+$`)
)

func buckets(cfg *config.Config, fs *findings) {
	backend := cfg.ObjectStorage()
	seen := map[string]string{}
	for _, b := range config.Buckets() {
		name := cfg.Get(b.Var)
		if name == "" {
			continue
		}
		if problem, advice := bucketName(backend, name); problem != "" {
			fs.fail(b.Var, problem, advice)
			continue
		}
		if other, ok := seen[name]; ok {
			fs.warn(b.Var, fmt.Sprintf("names the same bucket as %s (%q)", other, name),
				"the official modules use ten distinct buckets with different lifecycle rules; sharing one is unconfirmed by Spacelift")
		}
		seen[name] = b.Var
	}
	if !cfg.Has(config.UploadsURL) {
		return
	}
	raw := cfg.Get(config.UploadsURL)
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		fs.fail(config.UploadsURL, fmt.Sprintf("%q is not an absolute http(s) URL", raw), uploadsURLAdvice(backend))
	case u.Scheme == "http" && !(backend == "minio" && !cfg.Bool(config.MinioUseSSL)):
		fs.warn(config.UploadsURL, fmt.Sprintf("%q uses plain http; browsers on an https Spacelift page will block uploads to it", raw), uploadsURLAdvice(backend))
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

var azureAccountRe = lazyRegexp(`^https://[a-z0-9]{3,24}\.blob\.[a-z0-9.-]+$`)

func storageEndpoints(cfg *config.Config, fs *findings) {
	if ep := cfg.Get(config.MinioEndpoint); ep != "" && cfg.ObjectStorage() == "minio" {
		if strings.Contains(ep, "://") {
			fs.fail(config.MinioEndpoint, fmt.Sprintf("%q has a scheme; Spacelift wants host:port", ep), "remove http:// or https://; set OBJECT_STORAGE_MINIO_USE_SSL=true for HTTPS")
		} else if _, port, err := net.SplitHostPort(ep); err != nil || port == "" {
			fs.warn(config.MinioEndpoint, fmt.Sprintf("%q has no port", ep), "write host:port, e.g. minio.example.com:9000")
		}
	}
	if u := cfg.Get(config.ObjectStorageAzureURL); u != "" && cfg.ObjectStorage() == "azure" {
		if strings.HasSuffix(u, "/") {
			fs.warn(config.ObjectStorageAzureURL, "ends with a slash; the official module trims it", "remove the trailing /")
		} else if !azureAccountRe().MatchString(u) {
			fs.warn(config.ObjectStorageAzureURL, fmt.Sprintf("%q is not shaped like https://ACCOUNT.blob.core.windows.net", u), "use the account's primary blob endpoint")
		}
	}
}

func queueURLs(cfg *config.Config, fs *findings) {
	if cfg.MessageQueue() != "sqs" {
		return
	}
	seen := map[string]string{}
	for _, q := range config.Queues() {
		raw := cfg.Get(q.Var)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		parts := []string{}
		if err == nil {
			parts = strings.Split(strings.Trim(u.Path, "/"), "/")
		}
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(parts) != 2 {
			fs.fail(q.Var, fmt.Sprintf("%q is not an SQS queue URL", raw), "use https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE as shown by `aws sqs get-queue-url`")
			continue
		}
		name := parts[1]
		switch {
		case q.FIFO && !strings.HasSuffix(name, ".fifo"):
			fs.fail(q.Var, fmt.Sprintf("queue %q must be a FIFO queue (name ending in .fifo)", name), "point it at the FIFO queue the official module creates, e.g. spacelift-async-jobs.fifo")
		case !q.FIFO && strings.HasSuffix(name, ".fifo"):
			fs.fail(q.Var, fmt.Sprintf("queue %q is a FIFO queue, but this one must be standard", name), "point it at the standard (non-FIFO) queue")
		}
		if other, ok := seen[raw]; ok {
			fs.fail(q.Var, "is the same queue as "+other, "each of the eight variables needs its own queue")
		}
		seen[raw] = q.Var
		if region := cfg.Get(config.AWSRegion); region != "" && strings.HasSuffix(u.Hostname(), ".amazonaws.com") && !strings.Contains(u.Hostname(), region) {
			fs.warn(q.Var, fmt.Sprintf("host %s is not in AWS_REGION %s", u.Hostname(), region), "use the queues in the region Spacelift runs in")
		}
	}
}

func mqttEndpoint(cfg *config.Config, fs *findings) {
	ep := cfg.Get(config.MQTTBrokerEndpoint)
	if ep == "" {
		return
	}
	if cfg.MQTTBroker() == "iotcore" {
		switch {
		case strings.Contains(ep, "://"):
			fs.fail(config.MQTTBrokerEndpoint, fmt.Sprintf("%q has a scheme; IoT Core wants the bare hostname", ep), "run `aws iot describe-endpoint --endpoint-type iot:Data-ATS` and use its endpointAddress")
		case strings.Contains(ep, ":"):
			fs.fail(config.MQTTBrokerEndpoint, fmt.Sprintf("%q has a port; IoT Core wants the bare hostname", ep), "run `aws iot describe-endpoint --endpoint-type iot:Data-ATS` and use its endpointAddress")
		case !strings.Contains(ep, "-ats.iot."):
			fs.warn(config.MQTTBrokerEndpoint, fmt.Sprintf("%q is not an ATS IoT endpoint (…-ats.iot.REGION.amazonaws.com)", ep), "use the iot:Data-ATS endpoint, unless this is a custom domain for disaster recovery")
		}
		return
	}
	hostport := ep
	if i := strings.Index(ep, "://"); i >= 0 {
		scheme := ep[:i]
		hostport = ep[i+3:]
		if scheme != "tls" {
			fs.fail(config.MQTTBrokerEndpoint, fmt.Sprintf("scheme %q is not supported by the built-in broker", scheme+"://"), "use tls://HOST:PORT, e.g. tls://spacelift-mqtt.example.com:1984")
			return
		}
	} else {
		fs.warn(config.MQTTBrokerEndpoint, fmt.Sprintf("%q has no tls:// scheme; the docs allow it but every official module uses tls://", ep), "write tls://"+ep)
	}
	_, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" {
		fs.fail(config.MQTTBrokerEndpoint, fmt.Sprintf("%q has no port", ep), "use tls://HOST:PORT, e.g. tls://spacelift-mqtt.example.com:1984")
		return
	}
	if port == "1983" {
		fs.fail(config.MQTTBrokerEndpoint, "port 1983 is reserved for Spacelift's HTTP server", "use another port; the official modules use 1984")
	}
	if lvl := cfg.Get(config.MQTTBuiltinLogLevel); lvl != "" && !contains([]string{"debug", "info", "warn", "error"}, lvl) {
		fs.warn(config.MQTTBuiltinLogLevel, fmt.Sprintf("%q is not one of debug, info, warn, error", lvl), "use error (the default) unless support asks otherwise")
	}
}

func telemetry(cfg *config.Config, fs *findings) {
	raw := cfg.Get(config.ObservabilityVendor)
	vendor := cfg.Observability()
	if raw != "" && raw != vendor {
		fs.warn(config.ObservabilityVendor, fmt.Sprintf("%q matches %q only when case is ignored", raw, vendor), "write it exactly as "+vendor+"; whether Spacelift ignores case is unconfirmed")
	}
	if vendor == "AWS" {
		fs.warn(config.ObservabilityVendor, "AWS (X-Ray) is deprecated in favour of OpenTelemetry", "use OpenTelemetry with the ADOT collector, which can send to X-Ray")
	}
	if vendor == "OpenTelemetry" {
		if ep := cfg.Get(config.OTLPEndpoint); ep != "" {
			switch {
			case strings.HasPrefix(ep, "http://"):
			case strings.HasPrefix(ep, "https://"):
				fs.warn(config.OTLPEndpoint, "uses https://; the docs require the http:// form for the gRPC endpoint", "write http://HOST:4317 unless your collector terminates TLS")
			default:
				fs.fail(config.OTLPEndpoint, fmt.Sprintf("%q has no http:// scheme", ep), "write http://HOST:4317 (the docs require the scheme even for gRPC)")
			}
			if strings.HasSuffix(strings.TrimSuffix(ep, "/"), ":4318") {
				fs.warn(config.OTLPEndpoint, "port 4318 is OTLP over HTTP, but Spacelift exports over gRPC", "use the collector's gRPC port, usually 4317")
			}
		}
		if p := cfg.Get(config.OTLPProtocol); p != "" && p != "grpc" {
			fs.warn(config.OTLPProtocol, fmt.Sprintf("is %q, but Spacelift exports over gRPC", p), "unset it or set grpc")
		}
	}
	if vendor == "AWS" {
		if a := cfg.Get(config.XRayDaemonAddress); a != "" {
			addr := strings.TrimPrefix(strings.TrimPrefix(a, "udp:"), "tcp:")
			if _, _, err := net.SplitHostPort(strings.Fields(addr + " ")[0]); err != nil {
				fs.fail(config.XRayDaemonAddress, fmt.Sprintf("%q is not host:port", a), "write e.g. xray-daemon:2000")
			}
		}
	}
}

var accountIDRe = lazyRegexp(`^\d{12}$`)

func aws(cfg *config.Config, fs *findings) {
	r, dr := cfg.Get(config.AWSRegion), cfg.Get(config.AWSDefaultRegion)
	if r != "" && dr != "" && r != dr {
		fs.fail(config.AWSDefaultRegion, fmt.Sprintf("is %q but AWS_REGION is %q; Spacelift requires them equal", dr, r), "set AWS_DEFAULT_REGION="+r)
	}
	if a := cfg.Get(config.AWSAccountID); a != "" && !accountIDRe().MatchString(a) {
		fs.warn(config.AWSAccountID, fmt.Sprintf("%q is not 12 digits", a), "use the 12-digit account ID from `aws sts get-caller-identity`")
	}
	if p := cfg.Get(config.AWSPartition); p != "" && !contains([]string{"aws", "aws-us-gov", "aws-cn"}, p) {
		fs.warn(config.AWSPartition, fmt.Sprintf("%q is not aws, aws-us-gov or aws-cn", p), "unset it (default aws) or use a valid partition")
	}
}

func license(cfg *config.Config, fs *findings, now time.Time) {
	if cfg.Get(config.LicenseType) == "aws" {
		fs.warn(config.LicenseType, "aws uses the legacy AWS License Manager flow", "the official v3 modules use LICENSE_TYPE=jwt with the token Spacelift sends you")
	}
	if cfg.Get(config.LicenseType) != "jwt" || !cfg.Has(config.LicenseToken) {
		return
	}
	parts := strings.Split(strings.TrimSpace(cfg.Secret(config.LicenseToken).Reveal()), ".")
	if len(parts) != 3 {
		fs.fail(config.LicenseToken, "is not a JWT (three base64url parts separated by dots)", "paste the license token exactly as Spacelift sent it, on one line")
		return
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		fs.fail(config.LicenseToken, "the JWT payload is not base64url-encoded JSON", "paste the license token exactly as Spacelift sent it")
		return
	}
	if claims.Exp == "" {
		return
	}
	sec, err := strconv.ParseInt(string(claims.Exp), 10, 64)
	if err != nil {
		return
	}
	exp := time.Unix(sec, 0).UTC()
	switch {
	case now.After(exp):
		fs.warn(config.LicenseToken, "the license expired on "+exp.Format("2006-01-02"), "ask Spacelift for a new license token")
	case exp.Sub(now) < 30*24*time.Hour:
		fs.warn(config.LicenseToken, "the license expires on "+exp.Format("2006-01-02")+", within 30 days", "ask Spacelift to renew the license")
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
