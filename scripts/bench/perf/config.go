package perf

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Backend points one part of Spacelift's configuration at a harness
// server. Adding a backend to the benchmark is one entry in a profile: the
// Spacelift variables, with ${SPT_*} (and Setup's) values substituted.
type Backend struct {
	Name string
	// Requires lists the harness variables the backend needs; when one is
	// unset (the service was not started) the backend is left out.
	Requires []string
	// Setup prepares the server (a database, buckets, a key) and returns
	// extra values for Lines and ProcEnv, referenced as ${NAME}. Servers it
	// starts itself run until ctx ends.
	Setup func(ctx context.Context, env Env, r *Resources) (map[string]string, error)
	// Lines are NAME=value lines of the env file.
	Lines []string
	// ProcEnv are NAME=value variables of the measured process itself: the
	// SDKs' standard settings (AWS_ENDPOINT_URL_SQS, ...) that a real
	// install gets from its environment too.
	ProcEnv []string
	// Offline marks backends whose checks touch no network: they alone
	// make up the cold-start configuration.
	Offline bool
}

// Resources are what Setup functions start and the benchmark reads back.
type Resources struct {
	// CredentialFetches counts requests to the AWS container-credentials
	// endpoint the aws profile points the SDK's default chain at. Every
	// loaded AWS config has its own credentials cache, so one run fetches
	// once per config it loaded and used.
	CredentialFetches atomic.Int64
}

// Env looks up harness variables (os.LookupEnv in scripts/bench).
type Env func(name string) (string, bool)

// Profile is one full-run configuration.
type Profile struct {
	Name string
	// Requires lists harness variables without which the profile would
	// measure mostly failures; it is skipped when one is unset.
	Requires []string
	Backends []Backend
}

// Missing returns the profile's required variables that env lacks.
func (p Profile) Missing(env Env) []string { return missingVars(p.Requires, env) }

// Profiles are the configurations the full runs use: the self-hosted
// stack of a new install, and the AWS services (one run cannot have both:
// storage, encryption and the queue each take one type).
func Profiles() []Profile {
	general := Backend{Name: "general", Offline: true, Lines: []string{
		"SERVER_DOMAIN=spacelift.example.com",
		"LICENSE_TYPE=jwt",
		"LICENSE_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl",
	}}
	postgres := []Backend{
		{Name: "postgres (PostgreSQL 17)", Requires: []string{"SPT_PG17_URL"}, Setup: setupPostgres,
			Lines: []string{"DATABASE_URL=${BENCH_DATABASE_URL}"}},
		{Name: "postgres read replica (PostgreSQL 17 hot standby)", Requires: []string{"SPT_PG17_URL", "SPT_PG_STANDBY_URL"},
			Lines: []string{"DATABASE_READ_ONLY_URL=${SPT_PG_STANDBY_URL}"}},
	}
	mqtt := Backend{Name: "mqtt (built-in broker: mosquitto TLS listener)",
		Requires: []string{"SPT_MQTT_TLS_ADDR", "SPT_CA_FILE", "SPT_MQTT_USER", "SPT_MQTT_PASS"}, Setup: setupMQTT, Lines: []string{
			"MQTT_BROKER_TYPE=builtin",
			"MQTT_BROKER_ENDPOINT=tls://localhost:${BENCH_MQTT_TLS_PORT}",
			"SPACECTL_PREFLIGHT_MQTT_CA_FILE=${SPT_CA_FILE}",
			"SPACECTL_PREFLIGHT_MQTT_USERNAME=${SPT_MQTT_USER}",
			"SPACECTL_PREFLIGHT_MQTT_PASSWORD=${SPT_MQTT_PASS}",
		}}
	telemetry := Backend{Name: "telemetry (OpenTelemetry: an OTLP/gRPC receiver in the bench process)", Setup: setupCollector, Lines: []string{
		"OBSERVABILITY_VENDOR=OpenTelemetry",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://${BENCH_OTLP_ADDR}",
	}}
	selfHosted := append(append([]Backend{general}, postgres...),
		Backend{Name: "queue (built-in, in PostgreSQL)", Requires: []string{"SPT_PG17_URL"},
			Lines: []string{"MESSAGE_QUEUE_TYPE=postgres"}},
		Backend{Name: "storage (MinIO)", Requires: []string{"SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY"},
			Setup: setupMinIO, Lines: minioLines()},
		Backend{Name: "encryption (RSA)", Setup: setupRSA, Lines: []string{
			"ENCRYPTION_TYPE=rsa",
			"ENCRYPTION_RSA_PRIVATE_KEY=${BENCH_RSA_KEY}",
		}},
		mqtt, telemetry)
	onAWS := append(append([]Backend{general}, postgres...),
		awsBackend(),
		// MinIO through the S3 API and the shared AWS config: it accepts
		// any signing region, so one AWS_REGION serves S3 and local-kms.
		Backend{Name: "storage (S3 API: MinIO via AWS_ENDPOINT_URL_S3)", Requires: []string{"SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY"},
			Setup: setupMinIO, Lines: bucketLines("OBJECT_STORAGE_TYPE=aws"), ProcEnv: []string{"AWS_ENDPOINT_URL_S3=http://${SPT_MINIO_ENDPOINT}"}},
		Backend{Name: "queue (SQS: local-aws-sqs)", Requires: []string{"SPT_SQS_ENDPOINT"}, Setup: setupSQS,
			Lines: sqsLines(), ProcEnv: []string{"AWS_ENDPOINT_URL_SQS=${SPT_SQS_ENDPOINT}"}},
		Backend{Name: "encryption (KMS: local-kms)", Requires: []string{"SPT_KMS_ENDPOINT", "SPT_KMS_REGION"}, Setup: setupKMS,
			Lines: []string{
				"ENCRYPTION_TYPE=kms",
				"ENCRYPTION_KMS_ENCRYPTION_KEY_ID=${BENCH_KMS_ENCRYPTION_KEY}",
				"ENCRYPTION_KMS_SIGNING_KEY_ID=${BENCH_KMS_SIGNING_KEY}",
			}, ProcEnv: []string{"AWS_ENDPOINT_URL_KMS=${SPT_KMS_ENDPOINT}"}},
		mqtt, telemetry)
	return []Profile{
		{Name: "self-hosted", Requires: []string{"SPT_PG17_URL", "SPT_MINIO_ENDPOINT"}, Backends: selfHosted},
		{Name: "aws", Requires: []string{"SPT_PG17_URL", "SPT_MINIO_ENDPOINT", "SPT_SQS_ENDPOINT", "SPT_KMS_ENDPOINT"}, Backends: onAWS},
	}
}

// bucketNames are the MinIO buckets the benchmark creates, one per
// Spacelift bucket variable.
var bucketNames = []string{"deliveries", "large-queue-messages", "metadata", "modules", "policy-inputs",
	"run-logs", "states", "uploads", "user-uploaded-workspaces", "workspace"}

func minioLines() []string {
	return bucketLines(
		"OBJECT_STORAGE_TYPE=minio",
		"OBJECT_STORAGE_MINIO_ENDPOINT=${SPT_MINIO_ENDPOINT}",
		"OBJECT_STORAGE_MINIO_ACCESS_KEY_ID=${SPT_MINIO_ACCESS_KEY}",
		"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=${SPT_MINIO_SECRET_KEY}",
		"OBJECT_STORAGE_MINIO_USE_SSL=false",
	)
}

// bucketLines adds the bucket names and the uploads URL to lines.
func bucketLines(lines ...string) []string {
	lines = append(lines, "OBJECT_STORAGE_BUCKET_UPLOADS_URL=http://${SPT_MINIO_ENDPOINT}")
	for _, b := range bucketNames {
		v := "OBJECT_STORAGE_BUCKET_" + strings.ToUpper(strings.ReplaceAll(b, "-", "_"))
		lines = append(lines, v+"=spt-bench-"+b)
	}
	return lines
}

func setupPostgres(ctx context.Context, env Env, _ *Resources) (map[string]string, error) {
	admin, _ := env("SPT_PG17_URL")
	if err := createDatabase(ctx, admin, BenchDatabase); err != nil {
		return nil, fmt.Errorf("creating database %s: %w", BenchDatabase, err)
	}
	u, err := pgDatabaseURL(admin, BenchDatabase)
	if err != nil {
		return nil, err
	}
	return map[string]string{"BENCH_DATABASE_URL": u}, nil
}

func setupMinIO(ctx context.Context, env Env, _ *Resources) (map[string]string, error) {
	ep, _ := env("SPT_MINIO_ENDPOINT")
	ak, _ := env("SPT_MINIO_ACCESS_KEY")
	sk, _ := env("SPT_MINIO_SECRET_KEY")
	s := sigV4{AccessKey: ak, SecretKey: sk, Region: "us-east-1", Service: "s3"}
	for _, b := range bucketNames {
		if err := createBucket(ctx, ep, "spt-bench-"+b, s); err != nil {
			return nil, err
		}
	}
	// Spacelift needs versioning on the states bucket; without it the
	// check fails early and the run would time less than a real one.
	return nil, enableVersioning(ctx, ep, "spt-bench-states", s)
}

// setupMQTT names the broker by host name, as workers do, so the run
// resolves it and verifies the certificate's name.
func setupMQTT(_ context.Context, env Env, _ *Resources) (map[string]string, error) {
	addr, _ := env("SPT_MQTT_TLS_ADDR")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("SPT_MQTT_TLS_ADDR: %w", err)
	}
	return map[string]string{"BENCH_MQTT_TLS_PORT": port}, nil
}

// setupRSA generates the key the way Spacelift's docs do (openssl genrsa
// 4096 | openssl pkcs8 -topk8 -nocrypt: PKCS#8 PEM), base64 on one line.
func setupRSA(context.Context, Env, *Resources) (map[string]string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return map[string]string{"BENCH_RSA_KEY": base64.StdEncoding.EncodeToString(p)}, nil
}

// Config is a built benchmark configuration.
type Config struct {
	Lines   []string // NAME=value, ready for an env file
	ProcEnv []string // NAME=value for the measured process
	Used    []string // backend names configured
	Skipped []string // "name: why" for backends left out
}

// BuildConfig prepares every backend whose harness variables are set and
// expands its lines. With offline set, only offline backends are used and
// no Setup that needs a server runs.
func BuildConfig(ctx context.Context, bs []Backend, env Env, offline bool, r *Resources) (Config, error) {
	var c Config
	for _, b := range bs {
		if offline && !b.Offline {
			continue
		}
		if missing := missingVars(b.Requires, env); len(missing) > 0 {
			c.Skipped = append(c.Skipped, b.Name+": "+strings.Join(missing, ", ")+" not set (service not started)")
			continue
		}
		vals := map[string]string{}
		if b.Setup != nil {
			v, err := b.Setup(ctx, env, r)
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", b.Name, err)
			}
			vals = v
		}
		for _, x := range []struct {
			in  []string
			out *[]string
		}{{b.Lines, &c.Lines}, {b.ProcEnv, &c.ProcEnv}} {
			for _, l := range x.in {
				line, err := expand(l, env, vals)
				if err != nil {
					return Config{}, fmt.Errorf("%s: %w", b.Name, err)
				}
				*x.out = append(*x.out, line)
			}
		}
		c.Used = append(c.Used, b.Name)
	}
	return c, nil
}

func missingVars(names []string, env Env) []string {
	var out []string
	for _, n := range names {
		if v, ok := env(n); !ok || v == "" {
			out = append(out, n)
		}
	}
	return out
}

// expand substitutes ${NAME} from vals, then from env; an unknown name is
// an error, so a typo never yields an empty setting.
func expand(line string, env Env, vals map[string]string) (string, error) {
	var bad []string
	out := os.Expand(line, func(name string) string {
		if v, ok := vals[name]; ok {
			return v
		}
		if v, ok := env(name); ok {
			return v
		}
		bad = append(bad, name)
		return ""
	})
	if len(bad) > 0 {
		return "", fmt.Errorf("line %q: unknown ${%s}", strings.SplitN(line, "=", 2)[0], strings.Join(bad, "}, ${"))
	}
	return out, nil
}

// WriteEnvFile writes lines as a dotenv file, single-quoting values so
// that URLs with '#', '&' or spaces survive.
func WriteEnvFile(path string, lines []string) error {
	var b strings.Builder
	for _, l := range lines {
		name, val, ok := strings.Cut(l, "=")
		if !ok {
			return fmt.Errorf("not a NAME=value line: %q", name)
		}
		if strings.Contains(val, "'") {
			return fmt.Errorf("%s: a value with a single quote cannot be written", name)
		}
		fmt.Fprintf(&b, "%s='%s'\n", name, val)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}
