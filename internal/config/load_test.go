package config

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func diagLines(ds Diagnostics) string {
	var b strings.Builder
	ds.Write(&b)
	return b.String()
}

func TestLoadYAML(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "key.b64", "QUJD\n")
	p := write(t, dir, "c.yaml", `version: 1
server:
  domain: spacelift.example.com
database:
  url: ${DB_URL}
objectStorage:
  type: minio
  buckets:
    states: states-bucket
  minio:
    endpoint: minio:9000
    useSsl: true
encryption:
  type: rsa
  rsa:
    privateKeyFile: key.b64
aws:
  accountId: 123456789012
preflight:
  concurrency: 4
  timeout: 2m
  checks:
    - id: postgres.latency
      timeout: 5s
`)
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: p, Env: map[string]string{"DB_URL": "postgres://u:pw@db/x"}})
	if ds.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagLines(ds))
	}
	checks := map[string]string{ServerDomain: "spacelift.example.com", ObjectStorageType: "minio",
		"OBJECT_STORAGE_BUCKET_STATES": "states-bucket", MinioEndpoint: "minio:9000", MinioUseSSL: "true", AWSAccountID: "123456789012"}
	for k, want := range checks {
		if got := cfg.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := cfg.Secret(DatabaseURL).Reveal(); got != "postgres://u:pw@db/x" {
		t.Errorf("DATABASE_URL = %q", got)
	}
	if cfg.Get(DatabaseURL) != "" {
		t.Error("Get must not reveal a secret variable")
	}
	if got := cfg.Secret(RSAPrivateKey).Reveal(); got != "QUJD" {
		t.Errorf("privateKeyFile content = %q", got)
	}
	if src, _ := cfg.Source(ServerDomain); src.String() != p+":3:11" {
		t.Errorf("source = %s", src)
	}
	if cfg.Preflight.Concurrency != 4 || cfg.Preflight.CheckTimeouts["postgres.latency"].String() != "5s" {
		t.Errorf("preflight section: %+v", cfg.Preflight)
	}
	if !cfg.Bool(MinioUseSSL) {
		t.Error("useSsl should be true")
	}
}

func TestYAMLErrorsAreAllReportedWithPositions(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "bad.yaml", `server:
  domian: x
database:
  url: [a, b]
objectStorage:
  type: s4
  minio:
    useSsl: maybe
mqtt:
  endpoint: ${NOT_SET_ANYWHERE}
preflight:
  timeout: soon
  checks:
    - id: postgres.latency
      timout: 1s
admin:
  password: hunter2-in-clear
`)
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: p, Env: map[string]string{}})
	out := diagLines(ds)
	for _, want := range []string{
		p + `:2:3: server.domian: unknown key`, `hint: did you mean "domain"?`,
		p + `:4:8: database.url: expected a string, got a list`,
		p + `:6:9: objectStorage.type: unknown value "s4" (want one of: aws, gcp, azure, minio)`,
		p + `:8:13: objectStorage.minio.useSsl: "maybe" is not a boolean`,
		p + `:10:13: mqtt.endpoint: references ${NOT_SET_ANYWHERE}, which is not set in the environment`,
		p + `:12:12: preflight.timeout: "soon" is not a positive duration`,
		p + `:15:7: preflight.checks[0].timout: unknown key`,
		`warning: ` + p + `:17:13: admin.password: a secret is written in clear in the config file`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostics lack %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Error("a secret value appeared in a diagnostic")
	}
	if !ds.HasErrors() {
		t.Fatal("want errors")
	}
}

func TestYAMLSyntaxError(t *testing.T) {
	p := write(t, t.TempDir(), "syntax.yaml", "server:\n  domain: a\n bad: [\n")
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: p, Env: map[string]string{}})
	if !ds.HasErrors() || !strings.Contains(diagLines(ds), p+":") {
		t.Fatalf("want a located syntax error, got:\n%s", diagLines(ds))
	}
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "s.env", `# comment
export SERVER_DOMAIN=spacelift.example.com
DATABASE_URL="postgres://u:p@h/db"
OBJECT_STORAGE_TYPE='gcp'
MESSAGE_QUEUE_TYPE=rabbit
this line is broken
OBJECT_STORAGE_BUKET_STATES=x
PATH=/usr/bin
ENCRYPTION_TYPE=kms # inline comment
`)
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), EnvFiles: []string{p}, Env: map[string]string{}})
	out := diagLines(ds)
	for _, want := range []string{
		p + `:5: MESSAGE_QUEUE_TYPE: unknown value "rabbit" (want one of: sqs, postgres)`,
		p + ":6:1: not a NAME=value line: it has no `=`",
		`warning: ` + p + `:7: OBJECT_STORAGE_BUKET_STATES: unknown variable, ignored`, `did you mean OBJECT_STORAGE_BUCKET_STATES?`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostics lack %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "PATH") {
		t.Error("unrelated variables must not be reported")
	}
	if cfg.Get(ServerDomain) != "spacelift.example.com" || cfg.Get(ObjectStorageType) != "gcp" || cfg.Get(EncryptionType) != "kms" {
		t.Errorf("values: %q %q %q", cfg.Get(ServerDomain), cfg.Get(ObjectStorageType), cfg.Get(EncryptionType))
	}
	if src, _ := cfg.Source(DatabaseURL); src.String() != p+":3" {
		t.Errorf("source = %s", src)
	}
}

func TestK8sSecrets(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString
	p := write(t, t.TempDir(), "secrets.yaml", `apiVersion: v1
kind: Secret
metadata:
  name: spacelift-shared
data:
  SERVER_DOMAIN: `+enc([]byte("spacelift.example.com"))+`
  DATABASE_URL: "!!!not base64"
stringData:
  MQTT_BROKER_TYPE: builtin
---
apiVersion: v1
kind: Secret
metadata:
  name: spacelift-server
stringData:
  ADMIN_USERNAME: admin
---
kind: Deployment
metadata:
  name: nope
`)
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), K8sSecrets: []string{p}, Env: map[string]string{}})
	out := diagLines(ds)
	if !strings.Contains(out, p+":7:17: DATABASE_URL: not valid base64") {
		t.Errorf("missing base64 error:\n%s", out)
	}
	if !strings.Contains(out, `warning: `+p+`:18:1: document 3 is a "Deployment", not a Secret; ignored`) {
		t.Errorf("missing non-Secret warning:\n%s", out)
	}
	if cfg.Get(ServerDomain) != "spacelift.example.com" || cfg.Get(MQTTBrokerType) != "builtin" || cfg.Get(AdminUsername) != "admin" {
		t.Error("values from data/stringData across documents were not all read")
	}
	if src, _ := cfg.Source(AdminUsername); src.Object != "Secret spacelift-server" {
		t.Errorf("source object = %q", src.Object)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	y := write(t, dir, "c.yaml", "server:\n  domain: from-yaml.example.com\nmqtt:\n  endpoint: tls://yaml:1984\ngcp:\n  project: yaml-project\n")
	e1 := write(t, dir, "1.env", "SERVER_DOMAIN=from-env1.example.com\nMQTT_BROKER_ENDPOINT=tls://env1:1984\n")
	e2 := write(t, dir, "2.env", "SERVER_DOMAIN=from-env2.example.com\n")
	env := map[string]string{"SERVER_DOMAIN": "from-process.example.com"}
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: y, EnvFiles: []string{e1, e2}, FromEnv: true, Env: env})
	if ds.HasErrors() {
		t.Fatal(diagLines(ds))
	}
	if got := cfg.Get(ServerDomain); got != "from-process.example.com" {
		t.Errorf("process env must win: %s", got)
	}
	if got := cfg.Get(MQTTBrokerEndpoint); got != "tls://env1:1984" {
		t.Errorf("env file must beat YAML: %s", got)
	}
	if got := cfg.Get(GCPProject); got != "yaml-project" {
		t.Errorf("YAML value lost: %s", got)
	}
	cfg, _ = Load(LoadOptions{Catalog: testCatalog(), ConfigPath: y, EnvFiles: []string{e1, e2}, Env: env})
	if got := cfg.Get(ServerDomain); got != "from-env2.example.com" {
		t.Errorf("without --from-env the process env is not read, and later env files win: %s", got)
	}
}

func TestMissingExplicitConfig(t *testing.T) {
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: filepath.Join(t.TempDir(), "nope.yaml"), Env: map[string]string{}})
	if !ds.HasErrors() || !strings.Contains(diagLines(ds), "cannot read the config file") {
		t.Fatalf("want an error, got:\n%s", diagLines(ds))
	}
}

func TestTypeDefaultsAreImplied(t *testing.T) {
	cfg := New(testCatalog())
	for name, want := range map[string]string{ObjectStorageType: "aws", EncryptionType: "kms", MessageQueueType: "sqs", MQTTBrokerType: "iotcore", LicenseType: "aws"} {
		v, implied := cfg.TypeOf(name)
		if v != want || !implied {
			t.Errorf("%s: got %q implied=%v, want %q implied", name, v, implied, want)
		}
	}
}

// An SDK's variable that no input sets is taken from the process
// environment, marked inherited, without --from-env; an input that sets it
// (even to "") wins, and no other variable is read from there.
func TestSDKVariablesAreInheritedFromTheProcessEnvironment(t *testing.T) {
	cat, err := NewCatalog([]Var{
		Spacelift(ServerDomain, "server.domain", "Hostname."),
		SDK("SDK_FROM_SHELL", "sdk.fromShell", "Read by an SDK."),
		SDK("SDK_IN_FILE", "sdk.inFile", "Read by an SDK."),
		SDK("SDK_EMPTY_IN_FILE", "sdk.emptyInFile", "Read by an SDK."),
		SDK("SDK_SECRET", "sdk.secret", "Read by an SDK.").Sensitive(),
		SDK("SDK_FLAG", "sdk.flag", "Read by an SDK.").Boolean(),
		SDK("SDK_ALIASED", "sdk.aliased", "Read by an SDK.").Alias("sdk_aliased"),
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := write(t, dir, "a.env", "SERVER_DOMAIN=from-file.example.com\nSDK_IN_FILE=file\nSDK_EMPTY_IN_FILE=\n")
	env := map[string]string{
		ServerDomain: "from-shell.example.com", "SDK_FROM_SHELL": "shell", "SDK_IN_FILE": "shell", "SDK_EMPTY_IN_FILE": "shell",
		"SDK_SECRET": "s3cr3t", "SDK_FLAG": "maybe", "sdk_aliased": "lower",
	}
	cfg, ds := Load(LoadOptions{Catalog: cat, EnvFiles: []string{f}, Env: env})
	if ds.HasErrors() {
		t.Fatal(diagLines(ds))
	}
	for name, want := range map[string]string{ServerDomain: "from-file.example.com", "SDK_FROM_SHELL": "shell", "SDK_IN_FILE": "file",
		"SDK_EMPTY_IN_FILE": "", "SDK_FLAG": "", "SDK_ALIASED": "lower"} {
		if got := cfg.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if cfg.Secret("SDK_SECRET").Reveal() != "s3cr3t" {
		t.Error("an SDK secret in the process environment was not inherited")
	}
	src, _ := cfg.Source("SDK_FROM_SHELL")
	if !src.Inherited || src.Kind != FromEnv || src.String() != "$SDK_FROM_SHELL (process environment)" {
		t.Errorf("inherited source = %+v (%s)", src, src)
	}
	if src, _ := cfg.Source("SDK_ALIASED"); src.String() != "$sdk_aliased (process environment)" {
		t.Errorf("aliased source = %s", src)
	}
	if src, _ := cfg.Source("SDK_IN_FILE"); src.Inherited {
		t.Errorf("a value from a file is marked inherited: %+v", src)
	}
	// The invalid boolean is a warning, not an error: nobody asked for it.
	got := diagLines(ds)
	if !strings.Contains(got, "warning: $SDK_FLAG (process environment)") || !strings.Contains(got, "ignored") || strings.Count(got, "warning:") != 1 {
		t.Errorf("want exactly one warning about SDK_FLAG, got:\n%s", got)
	}

	// With --from-env the same variable is an input, not inherited.
	cfg, _ = Load(LoadOptions{Catalog: cat, FromEnv: true, Env: env})
	if src, _ := cfg.Source("SDK_FROM_SHELL"); src.Inherited || src.String() != "$SDK_FROM_SHELL" {
		t.Errorf("--from-env source = %+v", src)
	}
	// NoInherit (config init) leaves them unset.
	cfg, _ = Load(LoadOptions{Catalog: cat, EnvFiles: []string{f}, Env: env, NoInherit: true})
	if cfg.Has("SDK_FROM_SHELL") || cfg.Has("SDK_SECRET") {
		t.Errorf("NoInherit still inherited: %v", cfg.Names())
	}
}

// TestSecretKeys: a variable's Secret-only keys (the worker pool Secret's
// token and privateKey) are read from Secret manifests, located at the key,
// and nowhere else: an env file or the environment with the same name is
// not the variable.
func TestSecretKeys(t *testing.T) {
	cat, err := NewCatalog([]Var{Spacelift("POOL_TOKEN", "pool.token", "Token.").Sensitive().SecretKey("token")})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := write(t, dir, "pool.yaml", "kind: Secret\nmetadata:\n  name: worker-pool\nstringData:\n  token: abc123\n")
	env := write(t, dir, "pool.env", "token=from-env-file\n")
	cfg, ds := Load(LoadOptions{Catalog: cat, K8sSecrets: []string{secret}, Env: map[string]string{}})
	if ds.HasErrors() || cfg.Secret("POOL_TOKEN").Reveal() != "abc123" {
		t.Fatalf("the Secret's token key was not read as POOL_TOKEN: %s", diagLines(ds))
	}
	if src, _ := cfg.Source("POOL_TOKEN"); src.String() != secret+":5:3" || src.Object != "Secret worker-pool" {
		t.Errorf("source %s (%s)", src, src.Object)
	}
	cfg, _ = Load(LoadOptions{Catalog: cat, EnvFiles: []string{env}, FromEnv: true, Env: map[string]string{"token": "from-env"}})
	if cfg.Has("POOL_TOKEN") {
		t.Error("a Secret-only key was read from an env file or the environment")
	}
	if _, err := NewCatalog([]Var{Spacelift("A", "a", "A.").SecretKey("k"), Spacelift("B", "b", "B.").SecretKey("k")}); err == nil {
		t.Error("two variables share a Secret key")
	}
}

// An override (a flag of its own, e.g. --server-domain) wins over every
// input, is validated like any value, and names the flag as its source.
func TestOverridesWinAndNameTheFlag(t *testing.T) {
	cat, err := NewCatalog([]Var{
		Spacelift("HOST_NAME", "host.name", "Hostname."),
		Spacelift("MODE", "mode", "Mode.").OneOf("a", "a", "b"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := write(t, t.TempDir(), "a.env", "HOST_NAME=from-file\n")
	cfg, ds := Load(LoadOptions{Catalog: cat, EnvFiles: []string{f}, FromEnv: true, Env: map[string]string{"HOST_NAME": "from-env"},
		Overrides: []Override{{Flag: "--host-name", Name: "HOST_NAME", Value: "from-flag"}}})
	if ds.HasErrors() || cfg.Get("HOST_NAME") != "from-flag" {
		t.Fatalf("HOST_NAME = %q: %s", cfg.Get("HOST_NAME"), diagLines(ds))
	}
	if src, _ := cfg.Source("HOST_NAME"); src.Kind != FromFlag || src.String() != "--host-name" {
		t.Errorf("source %+v (%s)", src, src)
	}
	_, ds = Load(LoadOptions{Catalog: cat, Env: map[string]string{}, Overrides: []Override{{Flag: "--mode", Name: "MODE", Value: "c"}}})
	if got := diagLines(ds); !ds.HasErrors() || !strings.Contains(got, "--mode") {
		t.Errorf("an invalid override is not an error naming the flag: %s", got)
	}
}
