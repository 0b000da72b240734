package config

import (
	"strings"
	"testing"
)

// Variable names of the fixture catalog: a few real Spacelift variables, so
// the loader tests read like real inputs. The real catalog is the backends'
// (internal/cli's tests cover it); config knows no backend.
const (
	ServerDomain       = "SERVER_DOMAIN"
	DatabaseURL        = "DATABASE_URL"
	ObjectStorageType  = "OBJECT_STORAGE_TYPE"
	MinioEndpoint      = "OBJECT_STORAGE_MINIO_ENDPOINT"
	MinioUseSSL        = "OBJECT_STORAGE_MINIO_USE_SSL"
	EncryptionType     = "ENCRYPTION_TYPE"
	RSAPrivateKey      = "ENCRYPTION_RSA_PRIVATE_KEY"
	MessageQueueType   = "MESSAGE_QUEUE_TYPE"
	MQTTBrokerType     = "MQTT_BROKER_TYPE"
	MQTTBrokerEndpoint = "MQTT_BROKER_ENDPOINT"
	AWSAccountID       = "AWS_ACCOUNT_ID"
	GCPProject         = "GCP_PROJECT"
	AdminUsername      = "ADMIN_USERNAME"
	AdminPassword      = "ADMIN_PASSWORD"
	LicenseType        = "LICENSE_TYPE"
)

func testCatalog() *Catalog {
	c, err := NewCatalog([]Var{
		Spacelift(ServerDomain, "server.domain", "Hostname."),
		Spacelift(DatabaseURL, "database.url", "PostgreSQL URL.").Sensitive(),
		Spacelift(ObjectStorageType, "objectStorage.type", "Object storage backend.").OneOf("aws", "aws", "gcp", "azure", "minio"),
		Spacelift("OBJECT_STORAGE_BUCKET_STATES", "objectStorage.buckets.states", "States bucket."),
		Spacelift(MinioEndpoint, "objectStorage.minio.endpoint", "host:port."),
		Spacelift(MinioUseSSL, "objectStorage.minio.useSsl", "Use HTTPS.").Boolean(),
		Spacelift(EncryptionType, "encryption.type", "Encryption backend.").OneOf("kms", "kms", "rsa"),
		Spacelift(RSAPrivateKey, "encryption.rsa.privateKey", "RSA key.").Sensitive().FromFile(),
		Spacelift(MessageQueueType, "messageQueue.type", "Queue backend.").OneOf("sqs", "sqs", "postgres"),
		Spacelift(MQTTBrokerType, "mqtt.brokerType", "Broker type.").OneOf("iotcore", "iotcore", "builtin"),
		Spacelift(MQTTBrokerEndpoint, "mqtt.endpoint", "Broker endpoint."),
		Spacelift(AWSAccountID, "aws.accountId", "Account ID."),
		Spacelift(GCPProject, "gcp.project", "Project."),
		Spacelift(AdminUsername, "admin.username", "Admin user."),
		Spacelift(AdminPassword, "admin.password", "Admin password.").Sensitive(),
		Spacelift(LicenseType, "license.type", "Licence type.").OneOf("aws", "aws", "jwt"),
		Module("DRAIN_CONCURRENCY_DLQ", "drain.concurrency.dlq", "Drain workers.").Integer(),
	})
	if err != nil {
		panic(err)
	}
	return c
}

func TestNewCatalogRejectsBadDeclarations(t *testing.T) {
	ok := Spacelift("SERVER_DOMAIN", "server.domain", "Hostname.")
	for name, tc := range map[string]struct {
		vars []Var
		want string
	}{
		"duplicate name":     {[]Var{ok, Spacelift("SERVER_DOMAIN", "server.other", "x")}, "declared twice"},
		"duplicate key":      {[]Var{ok, Spacelift("OTHER", "server.domain", "x")}, "used by SERVER_DOMAIN and OTHER"},
		"file key clash":     {[]Var{Spacelift("A_KEY", "a.key", "x").FromFile(), Spacelift("B", "a.keyFile", "x")}, "a.keyFile"},
		"section clash":      {[]Var{ok, Spacelift("SUB", "server.domain.sub", "x")}, "is a section of"},
		"lower-case name":    {[]Var{Spacelift("server_domain", "server.domain", "x")}, "UPPER_SNAKE_CASE"},
		"bad key":            {[]Var{Spacelift("A", "Server.Domain", "x")}, "lowerCamel"},
		"reserved key":       {[]Var{Spacelift("A", "preflight.concurrency", "x")}, "outside version and preflight"},
		"enum w/o default":   {[]Var{Spacelift("A", "a", "x").OneOf("", "x")}, "Spacelift's default"},
		"no doc":             {[]Var{Spacelift("A", "a", "")}, "doc line"},
		"no origin":          {[]Var{{Name: "A", Path: "a", Doc: "x"}}, "origin"},
		"valid catalog ok?":  {[]Var{ok}, ""},
		"empty catalog ok?":  {nil, ""},
		"two sections ok?":   {[]Var{ok, Spacelift("B", "server.b", "x"), Spacelift("C", "other.c", "x")}, ""},
		"file key itself ok": {[]Var{Spacelift("A_KEY", "a.key", "x").FromFile()}, ""},
	} {
		_, err := NewCatalog(tc.vars)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestCatalogLookupAndOrder(t *testing.T) {
	c := testCatalog()
	if v, ok := c.Lookup(DatabaseURL); !ok || !v.Secret || v.Path != "database.url" {
		t.Errorf("lookup: %+v %v", v, ok)
	}
	if _, ok := c.Lookup("NOPE"); ok {
		t.Error("an unknown name was found")
	}
	if n := c.Names(); n[0] != ServerDomain || n[1] != DatabaseURL {
		t.Errorf("the catalog must keep declaration order: %v", n[:2])
	}
	vs := c.Vars()
	vs[0].Name = "CHANGED"
	if c.Vars()[0].Name != ServerDomain {
		t.Error("Vars must return a copy")
	}
}
