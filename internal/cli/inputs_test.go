package cli

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// bigFile writes a one-line file of about 50 MB.
func bigFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "big.env")
	body := "SERVER_DOMAIN=a.example.com\nENCRYPTION_RSA_PRIVATE_KEY=" + strings.Repeat("k", 50_000_000) + "\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noCrash fails when stderr holds a Go panic or stack trace.
func noCrash(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "fatal error:", "runtime."} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr holds a crash (%q):\n%s", s, stderr)
		}
	}
}

// TestInputsThatAreNotFilesOrTooLargeExit2: every input flag refuses a
// device, a directory and a file over the size cap before reading it,
// with exit 2 and what the path is; nothing runs.
func TestInputsThatAreNotFilesOrTooLargeExit2(t *testing.T) {
	if testing.Short() {
		testsvc.SkipUnlessRequired(t, "writes a 50 MB file")
	}
	dir := t.TempDir()
	inputs := map[string]string{
		"/dev/zero":     "is a device (such as /dev/null, /dev/zero or /dev/stdin), not a regular file",
		os.DevNull:      "is a device",
		dir:             "is a directory, not a file",
		bigFile(t, dir): "the file is larger than the input size limit of 10MiB",
	}
	for path, want := range inputs {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skipping %s: %v", path, err)
			continue
		}
		for _, args := range [][]string{
			{"config", "validate", "--env-file", path},
			{"config", "validate", "--k8s-secret", path},
			{"config", "validate", "-c", path},
			{"config", "init", "--env-file", path},
			{"check", "--env-file", path, "--only", "config.*"},
			{"bundle", "--env-file", path, "-o", filepath.Join(dir, "b.tar.gz")},
			{"bundle", "--results", path, "-o", filepath.Join(dir, "b.tar.gz")},
		} {
			code, out, stderr := run(t, nil, args...)
			if code != ExitUsage || !strings.Contains(stderr, want) || out != "" {
				t.Errorf("%v: exit %d, want 2 and %q\nstdout: %.200s\nstderr: %.2000s", args, code, want, out, stderr)
			}
			noCrash(t, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.tar.gz")); err == nil {
		t.Error("a bundle was written")
	}
}

// TestMaxInputSizeRaisesTheCap: the flag and the variable raise the cap on
// every command that reads inputs; a bad value is a usage error.
func TestMaxInputSizeRaisesTheCap(t *testing.T) {
	if testing.Short() {
		testsvc.SkipUnlessRequired(t, "writes a 50 MB file")
	}
	big := bigFile(t, t.TempDir())
	code, out, stderr := run(t, nil, "config", "validate", "--env-file", big, "--max-input-size", "64MiB")
	if code != ExitOK || !strings.Contains(out, "configuration is valid: 2 variables set") {
		t.Errorf("--max-input-size 64MiB: exit %d\n%s%.2000s", code, out, stderr)
	}
	code, _, stderr = run(t, map[string]string{"SPACECTL_PREFLIGHT_MAX_INPUT_SIZE": "60MB"}, "config", "init", "--env-file", big)
	if code != ExitOK {
		t.Errorf("$SPACECTL_PREFLIGHT_MAX_INPUT_SIZE=60MB: exit %d\n%.2000s", code, stderr)
	}
	code, _, stderr = run(t, map[string]string{"SPACECTL_PREFLIGHT_MAX_INPUT_SIZE": "64MiB"}, "config", "validate", "--env-file", big, "--max-input-size", "1MiB")
	if code != ExitUsage || !strings.Contains(stderr, "larger than the input size limit of 1MiB") {
		t.Errorf("the flag must win over the variable: exit %d\n%.2000s", code, stderr)
	}
	for _, args := range [][]string{
		{"config", "validate", "--env-file", big, "--max-input-size", "lots"},
		{"checks", "--max-input-size", "2GiB"},
		{"check", "--env-file", big, "--max-input-size", "0"},
	} {
		code, _, stderr := run(t, nil, args...)
		if code != ExitUsage || !strings.Contains(stderr, "--max-input-size") || !strings.Contains(stderr, "is not a size from 1B to 1GiB") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}

// TestEverySecretShape: what kubectl prints is read; what Kubernetes would
// refuse is an error with its position and the key; a file with nothing
// in it is a warning and, as the only input, exit 2. No value is echoed.
func TestEverySecretShape(t *testing.T) {
	const leak = "Sup3rS3cretValue"
	b64 := base64.StdEncoding.EncodeToString
	dir := t.TempDir()
	cases := []struct {
		name, body string
		code       int
		want       []string
	}{
		{"kubectl get secret a b -o yaml", "apiVersion: v1\nkind: List\nitems:\n- kind: Secret\n  metadata: {name: shared}\n  data:\n    SERVER_DOMAIN: " + b64([]byte("a.example.com")) +
			"\n- kind: Secret\n  metadata: {name: server}\n  stringData:\n    ADMIN_USERNAME: admin\n",
			ExitOK, []string{"configuration is valid: 2 variables set"}},
		{"several documents", "kind: Secret\nstringData:\n  SERVER_DOMAIN: a.example.com\n---\nkind: ConfigMap\ndata:\n  ADMIN_USERNAME: admin\n---\n",
			ExitOK, []string{"configuration is valid: 2 variables set"}},
		{"a mapping under data", "kind: Secret\ndata:\n  SERVER_DOMAIN: " + b64([]byte("a.example.com")) + "\n  DATABASE_URL:\n    password: " + leak + "\n",
			ExitUsage, []string{":5:5: DATABASE_URL: expected a string, got a mapping", "configuration has 1 error"}},
		{"a list under stringData", "kind: Secret\nstringData:\n  SERVER_DOMAIN: a.example.com\n  DATABASE_URL: [" + leak + "]\n",
			ExitUsage, []string{":4:17: DATABASE_URL: expected a string, got a list"}},
		{"invalid base64", "kind: Secret\ndata:\n  DATABASE_URL: " + leak + "!\n",
			ExitUsage, []string{":3:17: DATABASE_URL: not valid base64"}},
		{"no Secret", "kind: Deployment\nmetadata:\n  name: " + leak + "\n",
			ExitUsage, []string{`warning: `, `document 1 is a "Deployment", not a Secret; ignored`, "the file holds no Secret or ConfigMap", "the configuration sets no variable"}},
		{"an empty file", "",
			ExitUsage, []string{"the file is empty: it holds no Secret or ConfigMap", "the configuration sets no variable"}},
		{"a Secret without data", "kind: Secret\nmetadata:\n  name: empty\n",
			ExitUsage, []string{"Secret empty has no data", "the configuration sets no variable"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.Repeat("s", i+1)+".yaml")
			writeFile(t, p, c.body)
			code, out, stderr := run(t, nil, "config", "validate", "--k8s-secret", p)
			all := out + stderr
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, all)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, leak) {
				t.Errorf("a value was echoed:\n%s", all)
			}
		})
	}
}

// TestInputsThatSetNothingExit2: check, config validate and bundle refuse
// to go on when the inputs, together, set no variable.
func TestInputsThatSetNothingExit2(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.env")
	comments := filepath.Join(dir, "comments.env")
	writeFile(t, empty, "")
	writeFile(t, comments, "# nothing here\nPATH=/bin\nSERVER_DOMAIN=\n")
	for _, args := range [][]string{
		{"config", "validate", "--env-file", empty},
		{"config", "validate", "--env-file", empty, "--env-file", comments},
		{"check", "--env-file", comments, "--only", "config.*"},
		{"bundle", "--env-file", empty, "-o", filepath.Join(dir, "b.tar.gz")},
		{"config", "validate", "--from-env"},
	} {
		code, out, stderr := run(t, map[string]string{"PATH": "/bin", "HOME": "/root"}, args...)
		if code != ExitUsage || out != "" || !strings.Contains(stderr, "the configuration sets no variable") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	_, _, stderr := run(t, nil, "config", "validate", "--env-file", empty, "--env-file", comments, "--from-env")
	if !strings.Contains(stderr, empty+", "+comments+" and the environment (--from-env) set none of Spacelift's variables") {
		t.Errorf("the inputs are not named:\n%s", stderr)
	}
}

// podEnv is the environment of a Spacelift server pod as Kubernetes and
// the image give it: service links, IRSA / workload identity, proxies,
// Datadog's agent Service, the Go runtime's knobs.
func podEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=spacelift-server-7c9f8b6d5-x2k4q",
		"HOME=/home/spacelift", "USER=spacelift", "SHELL=/bin/sh", "PWD=/app", "SHLVL=1", "TERM=xterm", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TZ=UTC",
		"KUBERNETES_SERVICE_HOST=10.100.0.1", "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_SERVICE_PORT_HTTPS=443",
		"KUBERNETES_PORT=tcp://10.100.0.1:443", "KUBERNETES_PORT_443_TCP=tcp://10.100.0.1:443", "KUBERNETES_PORT_443_TCP_PROTO=tcp",
		"KUBERNETES_PORT_443_TCP_PORT=443", "KUBERNETES_PORT_443_TCP_ADDR=10.100.0.1",
		"SPACELIFT_SERVER_SERVICE_HOST=10.100.12.7", "SPACELIFT_SERVER_SERVICE_PORT=1983", "SPACELIFT_SERVER_PORT=tcp://10.100.12.7:1983",
		"SPACELIFT_SERVER_PORT_1983_TCP=tcp://10.100.12.7:1983", "SPACELIFT_SERVER_PORT_1983_TCP_ADDR=10.100.12.7",
		"SPACELIFT_MQTT_SERVICE_HOST=10.100.12.8", "SPACELIFT_MQTT_PORT=tcp://10.100.12.8:1984",
		"SERVER_SERVICE_HOST=10.100.12.9", "SERVER_PORT=tcp://10.100.12.9:1983", "MQTT_SERVICE_HOST=10.100.12.10", "MQTT_PORT=tcp://10.100.12.10:1984",
		"DD_AGENT_SERVICE_HOST=10.100.3.3", "DD_AGENT_PORT=tcp://10.100.3.3:8126", "DD_AGENT_PORT_8126_TCP_ADDR=10.100.3.3",
		"DD_VERSION=1.2.3", "DD_TRACE_ENABLED=true", "DD_LOGS_INJECTION=true", "DD_RUNTIME_METRICS_ENABLED=true", "DD_ENTITY_ID=abc",
		"AWS_ROLE_ARN=arn:aws:iam::123456789012:role/spacelift", "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
		"AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_DEFAULT_OUTPUT=json", "AWS_PROFILE=default", "AWS_SDK_LOAD_CONFIG=1", "AWS_EC2_METADATA_DISABLED=false",
		"AWS_MAX_ATTEMPTS=5", "AWS_RETRY_MODE=adaptive", "AWS_CA_BUNDLE=/etc/ssl/ca.pem", "AWS_ENDPOINT_URL=https://example.com",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials",
		"AZURE_CLIENT_ID=x", "AZURE_TENANT_ID=y", "AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/azure/tokens/azure-identity-token",
		"AZURE_AUTHORITY_HOST=https://login.microsoftonline.com/", "AZURE_STORAGE_ACCOUNT=spacelift",
		"GOOGLE_CLOUD_PROJECT=spacelift-prod", "CLOUDSDK_CORE_PROJECT=spacelift-prod",
		"OTEL_RESOURCE_ATTRIBUTES=service.version=1", "OTEL_EXPORTER_OTLP_HEADERS=x=y", "OTEL_TRACES_EXPORTER=otlp", "OTEL_EXPORTER_OTLP_INSECURE=true",
		"HTTP_PROXY=http://proxy:3128", "HTTPS_PROXY=http://proxy:3128", "NO_PROXY=localhost", "http_proxy=http://proxy:3128", "no_proxy=localhost",
		"SSL_CERT_FILE=/etc/ssl/certs/ca.pem", "SSL_CERT_DIR=/etc/ssl/certs", "GOMAXPROCS=2", "GOMEMLIMIT=1GiB", "GODEBUG=x509sha1=1",
		"POD_NAME=spacelift-server-0", "POD_NAMESPACE=spacelift", "POD_IP=10.0.3.4", "NODE_NAME=ip-10-0-1-2", "LOG_LEVEL=info",
		"SPACECTL_PREFLIGHT_TIMEOUT=2m",
		// Spacelift's own variables, as envFrom gives them (the proxy
		// variables above are Spacelift's too: 7 + 3).
		"SERVER_DOMAIN=spacelift.example.com", "AWS_REGION=eu-west-1", "DATABASE_URL=postgres://u:p@db:5432/spacelift",
		"OBJECT_STORAGE_TYPE=aws", "ENCRYPTION_TYPE=kms", "MQTT_BROKER_TYPE=builtin", "MESSAGE_QUEUE_TYPE=postgres",
	} {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// TestDidYouMeanFromTheEnvironment: in a realistic pod environment nothing
// but Spacelift's variables is read and nothing is reported; the typos
// the issue lists are, with the name they were meant to be.
func TestDidYouMeanFromTheEnvironment(t *testing.T) {
	env := podEnv()
	if len(env) < 70 {
		t.Fatalf("the pod environment has %d variables", len(env))
	}
	code, out, stderr := run(t, env, "config", "validate", "--from-env")
	if code != ExitOK || stderr != "" || !strings.Contains(out, "configuration is valid: 10 variables set") {
		t.Errorf("a pod's environment: exit %d\n%s%s", code, out, stderr)
	}
	typos := map[string]string{"DATABSE_URL": "DATABASE_URL", "database_url": "DATABASE_URL", "AWS_REGOIN": "AWS_REGION",
		"OBJECT_STORAGE_BUKET_STATES": "OBJECT_STORAGE_BUCKET_STATES", "Server_Domain": "SERVER_DOMAIN"}
	for typo := range typos {
		env[typo] = "x"
	}
	_, _, stderr = run(t, env, "config", "validate", "--from-env")
	for typo, want := range typos {
		if !strings.Contains(stderr, "warning: $"+typo+": unknown variable, ignored") || !strings.Contains(stderr, "hint: did you mean "+want+"?") {
			t.Errorf("no suggestion for %s:\n%s", typo, stderr)
		}
	}
	if n := strings.Count(stderr, "warning:"); n != len(typos) {
		t.Errorf("%d warnings for %d typos:\n%s", n, len(typos), stderr)
	}
	// The same names in an env file.
	p := filepath.Join(t.TempDir(), "s.env")
	writeFile(t, p, "SERVER_DOMAIN=a.example.com\nDATABSE_URL=x\nAWS_REGOIN=x\ndatabase_url=x\n")
	_, _, stderr = run(t, nil, "config", "validate", "--env-file", p)
	for _, want := range []string{p + ":2: DATABSE_URL: unknown variable", p + ":3: AWS_REGOIN: unknown variable", "did you mean AWS_REGION?",
		p + ":4: database_url: unknown variable, ignored (names are case-sensitive)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("env file: no %q:\n%s", want, stderr)
		}
	}
}

// TestInheritedSDKVariables: the SDK variables exported in the shell are
// taken without --from-env, named (never valued) by config validate, not
// counted as configuration, and left out of config init's starter.
func TestInheritedSDKVariables(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.env")
	writeFile(t, f, "SERVER_DOMAIN=a.example.com\n")
	const key = "c2hlbGwta2V5LXNlY3JldA=="
	env := map[string]string{"STORAGE_EMULATOR_HOST": "127.0.0.1:4443", "AZURE_STORAGE_KEY": key, "PATH": "/bin"}
	code, out, stderr := run(t, env, "config", "validate", "--env-file", f)
	want := "configuration is valid: 1 variables set from [" + f + "], plus 2 SDK variable(s) inherited from the process environment (AZURE_STORAGE_KEY, STORAGE_EMULATOR_HOST)"
	if code != ExitOK || !strings.Contains(out, want) || strings.Contains(out+stderr, key) {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant: %s", code, out, stderr, want)
	}
	// Inherited variables alone are no configuration.
	empty := filepath.Join(dir, "empty.env")
	writeFile(t, empty, "# nothing\n")
	if code, _, stderr := run(t, env, "config", "validate", "--env-file", empty); code != ExitUsage || !strings.Contains(stderr, "sets no variable") {
		t.Errorf("only inherited variables: exit %d, want 2\n%s", code, stderr)
	}
	code, out, stderr = run(t, env, "config", "init", "--env-file", f)
	if code != ExitOK || strings.Contains(out, "127.0.0.1:4443") || strings.Contains(out, "\n    accountKey: ${AZURE_STORAGE_KEY}") {
		t.Errorf("config init took the shell's SDK variables: exit %d\n%s\n%s", code, out, stderr)
	}
}
