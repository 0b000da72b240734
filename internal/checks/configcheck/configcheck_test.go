package configcheck_test

import (
	"encoding/base64"
	"fmt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/postgres"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// base is a complete, valid non-AWS configuration; cases change one thing.
func base() map[string]string {
	m := map[string]string{
		configcheck.ServerDomain: "spacelift.example.com", postgres.DatabaseURL: "postgres://u:p@db:5432/spacelift?statement_cache_capacity=0",
		storage.TypeVar: "minio", storage.MinioEndpoint: "minio.example.com:9000", storage.MinioAccessKeyID: "ak",
		storage.MinioSecretAccessKey: "sk", storage.UploadsURL: "https://minio.example.com", encryption.TypeVar: "rsa",
		encryption.RSAPrivateKey: "a2V5", queue.TypeVar: "postgres", mqtt.BrokerType: "builtin",
		mqtt.BrokerEndpoint: "tls://mqtt.example.com:1984", configcheck.LicenseType: "jwt",
		configcheck.LicenseToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln",
	}
	for _, b := range storage.Buckets() {
		m[b.Var] = "spacelift-" + b.Purpose
	}
	return m
}

var backends = cli.Backends()

func cfgFrom(m map[string]string) *config.Config {
	c := config.New(checks.MustCatalog(backends))
	for k, v := range m {
		if v == "" {
			continue
		}
		vr, ok := c.Catalog().Lookup(k)
		if !ok {
			panic("unknown var " + k)
		}
		c.Set(vr, v, config.Source{Kind: config.FromEnvFile, File: "t.env", Line: 1})
	}
	return c
}

func with(changes map[string]string) *config.Config {
	m := base()
	for k, v := range changes {
		m[k] = v
	}
	return cfgFrom(m)
}

// detail is the first step about the variable name, as "status: message →
// advice", or "" when there is none.
func detail(r checks.Result, name string) string {
	for _, st := range r.Steps {
		if st.Name == name {
			return st.Status.String() + ": " + st.Message + " → " + st.Advice
		}
	}
	return ""
}

func Required(cfg *config.Config) checks.Result { return configcheck.Required(backends, cfg) }
func Values(cfg *config.Config) checks.Result   { return configcheck.Values(backends, cfg, time.Now()) }
func Compat(cfg *config.Config) checks.Result   { return configcheck.Compat(backends, cfg, time.Now()) }
func ValuesAt(cfg *config.Config, now time.Time) checks.Result {
	return configcheck.Values(backends, cfg, now)
}

func TestBaseIsClean(t *testing.T) {
	for name, f := range map[string]func(*config.Config) checks.Result{"required": Required, "values": Values, "compat": Compat} {
		if r := f(cfgFrom(base())); r.Status != checks.Pass {
			t.Errorf("%s: %s %s %v", name, r.Status, r.Message, r.Details)
		}
	}
}

func TestRequired(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]string
		want    checks.Status
		missing []string
	}{
		{"no database", map[string]string{postgres.DatabaseURL: ""}, checks.Fail, []string{postgres.DatabaseURL}},
		{"bucket missing", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": ""}, checks.Fail, []string{"OBJECT_STORAGE_BUCKET_STATES"}},
		{"minio secret", map[string]string{storage.MinioSecretAccessKey: ""}, checks.Fail, []string{storage.MinioSecretAccessKey}},
		{"kms keys", map[string]string{encryption.TypeVar: "kms", awsenv.Region: "eu-west-1", awsenv.DefaultRegion: "eu-west-1", awsenv.AccountID: "123456789012"},
			checks.Fail, []string{encryption.KMSEncryptionKeyID, encryption.KMSSigningKeyID}},
		{"sqs queues and aws", map[string]string{queue.TypeVar: "sqs"}, checks.Fail,
			[]string{"MESSAGE_QUEUE_SQS_ASYNC_URL", "MESSAGE_QUEUE_SQS_WEBHOOKS_URL", awsenv.Region, awsenv.AccountID}},
		{"gcp project warns", map[string]string{storage.TypeVar: "gcp"}, checks.Warn, []string{storage.GCPProject}},
		{"otel endpoint", map[string]string{telemetry.VendorVar: "OpenTelemetry"}, checks.Fail, []string{telemetry.OTLPEndpoint}},
		{"license token", map[string]string{configcheck.LicenseToken: ""}, checks.Fail, []string{configcheck.LicenseToken}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Required(with(c.changes))
			if r.Status != c.want {
				t.Fatalf("status %s, want %s: %s", r.Status, c.want, r.Message)
			}
			for _, m := range c.missing {
				if !strings.Contains(detail(r, m), "not set") {
					t.Errorf("details lack %s: %v", m, r.Details)
				}
			}
		})
	}
}

func TestValues(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]string
		want    checks.Status
		varName string
		text    string
	}{
		{"domain with scheme", map[string]string{configcheck.ServerDomain: "https://x.example.com"}, checks.Fail, configcheck.ServerDomain, "has a scheme"},
		{"domain with port", map[string]string{configcheck.ServerDomain: "x.example.com:443"}, checks.Fail, configcheck.ServerDomain, "path or port"},
		{"trailing slash bucket", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "states/"}, checks.Fail, "OBJECT_STORAGE_BUCKET_STATES", "slash"},
		{"s3 prefix", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "s3://states"}, checks.Fail, "OBJECT_STORAGE_BUCKET_STATES", "scheme prefix"},
		{"whitespace", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "states "}, checks.Fail, "OBJECT_STORAGE_BUCKET_STATES", "whitespace"},
		{"uppercase s3", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "States"}, checks.Fail, "OBJECT_STORAGE_BUCKET_STATES", "not a valid S3 bucket name"},
		{"azure container rule", map[string]string{storage.TypeVar: "azure", storage.AzureAccountURL: "https://acct.blob.core.windows.net", "OBJECT_STORAGE_BUCKET_STATES": "a--b"},
			checks.Fail, "OBJECT_STORAGE_BUCKET_STATES", "Azure container"},
		{"shared bucket warns", map[string]string{"OBJECT_STORAGE_BUCKET_STATES": "spacelift-modules"}, checks.Warn, "OBJECT_STORAGE_BUCKET_STATES", "same bucket"},
		{"minio scheme", map[string]string{storage.MinioEndpoint: "https://minio:9000"}, checks.Fail, storage.MinioEndpoint, "has a scheme"},
		{"minio in-cluster", map[string]string{storage.MinioEndpoint: "minio.spacelift.svc.cluster.local:9000"}, checks.Warn, storage.MinioEndpoint, "in-cluster name"},
		{"uploads not url", map[string]string{storage.UploadsURL: "minio.example.com"}, checks.Fail, storage.UploadsURL, "not an absolute"},
		{"mqtt bare", map[string]string{mqtt.BrokerEndpoint: "mqtt.example.com:1984"}, checks.Warn, mqtt.BrokerEndpoint, "no tls://"},
		{"mqtt 1983", map[string]string{mqtt.BrokerEndpoint: "tls://mqtt.example.com:1983"}, checks.Fail, mqtt.BrokerEndpoint, "1983"},
		{"mqtt scheme", map[string]string{mqtt.BrokerEndpoint: "mqtt://mqtt.example.com:1984"}, checks.Fail, mqtt.BrokerEndpoint, "not supported"},
		{"mqtt no port", map[string]string{mqtt.BrokerEndpoint: "tls://mqtt.example.com"}, checks.Fail, mqtt.BrokerEndpoint, "no port"},
		{"iot scheme", map[string]string{mqtt.BrokerType: "iotcore", mqtt.BrokerEndpoint: "tls://a-ats.iot.eu-west-1.amazonaws.com"}, checks.Fail, mqtt.BrokerEndpoint, "IoT Core wants"},
		{"iot not ats", map[string]string{mqtt.BrokerType: "iotcore", mqtt.BrokerEndpoint: "a.iot.eu-west-1.amazonaws.com"}, checks.Warn, mqtt.BrokerEndpoint, "not an ATS"},
		{"otel no scheme", map[string]string{telemetry.VendorVar: "OpenTelemetry", telemetry.OTLPEndpoint: "collector:4317"}, checks.Fail, telemetry.OTLPEndpoint, "no http://"},
		{"otel http port", map[string]string{telemetry.VendorVar: "OpenTelemetry", telemetry.OTLPEndpoint: "http://collector:4318"}, checks.Warn, telemetry.OTLPEndpoint, "4318"},
		{"vendor case", map[string]string{telemetry.VendorVar: "datadog", telemetry.DDAgentHost: "dd"}, checks.Warn, telemetry.VendorVar, "case"},
		{"regions differ", map[string]string{awsenv.Region: "eu-west-1", awsenv.DefaultRegion: "us-east-1"}, checks.Fail, awsenv.DefaultRegion, "requires them equal"},
		{"account id", map[string]string{awsenv.AccountID: "12345"}, checks.Warn, awsenv.AccountID, "12 digits"},
		{"bad db url", map[string]string{postgres.DatabaseURL: "postgres://u:p@db:notaport/x"}, checks.Fail, postgres.DatabaseURL, "does not parse"},
		{"mysql url", map[string]string{postgres.DatabaseURL: "mysql://u:p@db:3306/x"}, checks.Fail, postgres.DatabaseURL, ""},
		{"license not jwt", map[string]string{configcheck.LicenseToken: "abc"}, checks.Fail, configcheck.LicenseToken, "not a JWT"},
		{"webhooks mismatch", map[string]string{configcheck.WebhooksEndpoint: "https://other/webhooks"}, checks.Warn, configcheck.WebhooksEndpoint, "official modules set"},
		{"mqtt on the server's own name", map[string]string{configcheck.ServerDomain: "spacelift.example.com", mqtt.BrokerEndpoint: "tls://Spacelift.example.com:1984"},
			checks.Warn, mqtt.BrokerEndpoint, "is SERVER_DOMAIN"},
		{"mqtt trailing dot", map[string]string{mqtt.BrokerEndpoint: "tls://mqtt.example.com.:1984"}, checks.Fail, mqtt.BrokerEndpoint, "ends with a dot"},
		{"root CAs not base64", map[string]string{rootcas.Var: "not base64!"}, checks.Fail, rootcas.Var, "not base64"},
		{"root CAs file missing", map[string]string{rootcas.FileVar: "/nonexistent/cas.b64"}, checks.Fail, rootcas.FileVar, "cannot be read"},
		{"proxy without scheme", map[string]string{configcheck.HTTPSProxy: "proxy.internal:3128"}, checks.Fail, configcheck.HTTPSProxy, "has no scheme"},
		{"proxy would carry in-cluster traffic", map[string]string{configcheck.HTTPSProxy: "http://proxy.internal:3128",
			storage.MinioEndpoint: "minio.spacelift.svc.cluster.local:9000"}, checks.Warn, configcheck.NoProxy, "minio.spacelift.svc.cluster.local"},
		{"saml key not base64 PEM", map[string]string{configcheck.SAMLCert: "bm90IGEgY2VydA==", configcheck.SAMLKey: "bm90IGEga2V5"}, checks.Warn, configcheck.SAMLKey, "not base64 of a PEM"},
		{"saml half set", map[string]string{configcheck.SAMLKey: "bm90IGEga2V5"}, checks.Warn, configcheck.SAMLCert, "only one of SAML_CERT and SAML_KEY"},
		{"federation issuer not https", map[string]string{configcheck.FederationIssuer: "http://id.example.com"}, checks.Fail, configcheck.FederationIssuer, "absolute https://"},
		{"federation jwks alone", map[string]string{configcheck.FederationJWKSURI: "https://id.example.com/jwks"}, checks.Warn, configcheck.FederationJWKSURI, "without FEDERATION_CUSTOM_ISSUER"},
		{"public api not a url", map[string]string{configcheck.SpaceliftPublicAPIVar: "app.spacelift.io"}, checks.Fail, configcheck.SpaceliftPublicAPIVar, "absolute https://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Values(with(c.changes))
			if r.Status != c.want {
				t.Fatalf("status %s, want %s: %s %v", r.Status, c.want, r.Message, r.Details)
			}
			if d := detail(r, c.varName); d == "" || !strings.Contains(d, c.text) {
				t.Errorf("details for %s = %q, want %q", c.varName, d, c.text)
			}
		})
	}
}

// A built-in broker port other than 1984 is information, not a problem.
func TestMQTTPortOtherThan1984IsNoted(t *testing.T) {
	r := Values(with(map[string]string{mqtt.BrokerEndpoint: "tls://mqtt.example.com:8883"}))
	if r.Status != checks.Pass {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
	if d, ok := r.Details.Get("MQTT broker port"); !ok || !strings.Contains(d, "8883: not 1984") {
		t.Errorf("no note about the port: %v", r.Details)
	}
	if _, ok := Values(with(map[string]string{mqtt.BrokerEndpoint: "tls://mqtt.example.com:1984"})).Details.Get("MQTT broker port"); ok {
		t.Error("port 1984 is noted")
	}
}

func TestSQSQueueURLs(t *testing.T) {
	m := map[string]string{queue.TypeVar: "sqs", awsenv.Region: "eu-west-1"}
	for _, q := range queue.Queues() {
		name := "spacelift-" + q.Name
		if q.FIFO {
			name += ".fifo"
		}
		m[q.Var] = "https://sqs.eu-west-1.amazonaws.com/123456789012/" + name
	}
	if r := Values(with(m)); r.Status != checks.Pass {
		t.Fatalf("valid queues: %s %v", r.Status, r.Details)
	}
	m["MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/spacelift-async"
	m["MESSAGE_QUEUE_SQS_DLQ_URL"] = "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq.fifo"
	m["MESSAGE_QUEUE_SQS_IOT_URL"] = "not a url"
	r := Values(with(m))
	for v, want := range map[string]string{"MESSAGE_QUEUE_SQS_ASYNC_FIFO_URL": "must be a FIFO", "MESSAGE_QUEUE_SQS_DLQ_URL": "must be standard", "MESSAGE_QUEUE_SQS_IOT_URL": "not an SQS queue URL"} {
		if !strings.Contains(detail(r, v), want) {
			t.Errorf("%s: %q lacks %q", v, detail(r, v), want)
		}
	}
}

func TestLicenseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tok := func(exp time.Time) string {
		p := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d}`, exp.Unix())))
		return "eyJhbGciOiJSUzI1NiJ9." + p + ".c2ln"
	}
	for _, c := range []struct {
		exp  time.Time
		want checks.Status
	}{{now.AddDate(1, 0, 0), checks.Pass}, {now.AddDate(0, 0, 10), checks.Warn}, {now.AddDate(0, 0, -1), checks.Warn}} {
		r := ValuesAt(with(map[string]string{configcheck.LicenseToken: tok(c.exp)}), now)
		if r.Status != c.want {
			t.Errorf("exp %s: %s (%s)", c.exp, r.Status, r.Message)
		}
		// The expiry, machine-readable for the metrics, whatever the status.
		if got, _ := r.Details.Get(checks.EvidenceLicenseNotAfter); got != c.exp.Format(time.RFC3339) {
			t.Errorf("exp %s: evidence %q", c.exp, got)
		}
	}
}

func TestCompat(t *testing.T) {
	r := Compat(with(map[string]string{mqtt.BrokerType: "iotcore", queue.TypeVar: "postgres"}))
	if r.Status != checks.Fail || !strings.Contains(detail(r, mqtt.BrokerType), "requires MESSAGE_QUEUE_TYPE=sqs") {
		t.Errorf("iotcore+postgres: %s %v", r.Status, r.Details)
	}
	r = Compat(with(map[string]string{encryption.TypeVar: "", queue.TypeVar: ""}))
	if r.Status != checks.Warn || !strings.Contains(detail(r, encryption.TypeVar), "legacy AWS default kms") ||
		!strings.Contains(detail(r, encryption.TypeVar), "never be changed") || detail(r, queue.TypeVar) == "" {
		t.Errorf("implied defaults: %s %v", r.Status, r.Details)
	}
	r = Compat(with(map[string]string{"OTEL_SERVICE_NAME": "x"}))
	if r.Status != checks.Warn || !strings.Contains(detail(r, "OTEL_SERVICE_NAME"), "not to set") {
		t.Errorf("OTEL_SERVICE_NAME: %s %v", r.Status, r.Details)
	}
	if v, _ := r.Details.Get("encryption"); !strings.Contains(v, "cannot be changed") {
		t.Errorf("the encryption permanence note is missing: %v", r.Details)
	}
}

func TestStepsNameTheSource(t *testing.T) {
	cfg := with(map[string]string{configcheck.ServerDomain: "https://x"})
	vr, _ := cfg.Catalog().Lookup(awsenv.AccountID)
	cfg.Set(vr, "12345", config.Source{Kind: config.FromDefault})
	r := Values(cfg)
	var domain, account checks.Step
	for _, st := range r.Steps {
		switch st.Name {
		case configcheck.ServerDomain:
			domain = st
		case awsenv.AccountID:
			account = st
		}
	}
	if got, _ := domain.Evidence.Get("set at"); got != "t.env:1" {
		t.Errorf("the step should name where the value was set: %+v", domain)
	}
	if account.Status != checks.Warn || len(account.Evidence) != 0 {
		t.Errorf("a default has no position to show: %+v", account)
	}
}

// TestProblemsAreStepsInOrder: every violation is its own step, in the
// order found; the message leads with the first failure and counts the rest.
func TestProblemsAreStepsInOrder(t *testing.T) {
	r := Values(with(map[string]string{awsenv.AccountID: "12345", configcheck.ServerDomain: "https://x", storage.MinioEndpoint: "minio"}))
	var got []string
	for _, st := range r.Steps {
		got = append(got, st.Status.String()+" "+st.Name)
	}
	want := []string{"fail " + configcheck.ServerDomain, "warn " + storage.MinioEndpoint, "warn " + awsenv.AccountID}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("steps %v, want %v", got, want)
	}
	if r.Status != checks.Fail || !strings.HasPrefix(r.Message, configcheck.ServerDomain+": ") || !strings.HasSuffix(r.Message, " (and 2 more problems)") {
		t.Errorf("message %s %q", r.Status, r.Message)
	}
}

// A NO_PROXY that covers the in-cluster names draws no warning, and a
// well-formed ADDITIONAL_ROOT_CAS passes.
func TestNetworkSettingsThatAreRight(t *testing.T) {
	r := Values(with(map[string]string{configcheck.HTTPSProxy: "http://proxy.internal:3128", configcheck.NoProxy: ".svc.cluster.local,localhost",
		telemetry.VendorVar: "OpenTelemetry", telemetry.OTLPEndpoint: "http://otel-collector.observability.svc.cluster.local:4317"}))
	if r.Status != checks.Pass {
		t.Errorf("NO_PROXY covers the in-cluster name: %s %s", r.Status, r.Message)
	}
}
