package cli

import (
	"bytes"
	"encoding/json"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// trickyEnv is a deployment whose values need YAML quoting or would be
// mangled by a careless writer.
var trickyEnv = map[string]string{
	"SERVER_DOMAIN":                     "spacelift.example.com",
	"ADMIN_USERNAME":                    "yes",          // a YAML 1.1 boolean
	"AWS_ACCOUNT_ID":                    "012345678901", // a number with a leading zero
	"MQTT_BROKER_ENDPOINT":              "tls://mqtt.example.com:1984 # not a comment",
	"SPACELIFT_PUBLIC_API":              "https://" + strings.Repeat("very-long-", 12) + "example.com/api",
	"SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
	"OBJECT_STORAGE_MINIO_USE_SSL":      "yes",
	"DRAIN_CONCURRENCY_DLQ":             "5",
	"OBSERVABILITY_VENDOR":              "datadog",
	"DATABASE_URL":                      "postgres://u:p%40ss$word@db:5432/spacelift",
	"ADMIN_PASSWORD":                    "${NOT_A_REFERENCE}: #",
	"HOSTNAME":                          "pod-1", // not ours: ignored
}

type initCase struct {
	name string
	env  map[string]string
	args []string
}

func initCases() []initCase {
	return []initCase{
		{"no inputs", nil, nil},
		{"env file", nil, []string{"--env-file", example("valid.env")}},
		{"k8s secrets", nil, []string{"--k8s-secret", example("k8s-secrets.yaml")}},
		{"process environment", trickyEnv, []string{"--from-env"}},
	}
}

// TestConfigInitRoundTrips: the starter config, loaded back with its
// ${VAR} references exported, gives exactly the configuration it came from.
func TestConfigInitRoundTrips(t *testing.T) {
	for _, tc := range initCases() {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.env, append([]string{"config", "init"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if !strings.HasPrefix(out, "# yaml-language-server: $schema="+config.SchemaURL+"\n") {
				t.Fatalf("the first line is not the schema modeline:\n%s", firstLine(out))
			}
			orig := loadInputs(t, tc.env, tc.args)
			env := map[string]string{}
			for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(activeLines(out), -1) {
				if _, isVar := catalog().Lookup(m[1]); !isVar {
					t.Fatalf("${%s} references no variable", m[1])
				}
				env[m[1]] = orig.Secret(m[1]).Reveal()
			}
			path := filepath.Join(t.TempDir(), "spacectl-preflight.yaml")
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			got, diags := config.Load(config.LoadOptions{ConfigPath: path, Env: env, Catalog: catalog()})
			if len(diags) > 0 {
				var b bytes.Buffer
				diags.Write(&b)
				t.Fatalf("loading the starter config reported:\n%s\n%s", b.String(), out)
			}
			for _, v := range catalog().Vars() {
				if orig.Has(v.Name) != got.Has(v.Name) {
					t.Errorf("%s: set=%v in the input, set=%v in the starter config", v.Name, orig.Has(v.Name), got.Has(v.Name))
					continue
				}
				want, have := orig.Secret(v.Name).Reveal(), got.Secret(v.Name).Reveal()
				switch v.Kind {
				case config.KindBool:
					want, have = boolText(orig.Bool(v.Name)), boolText(got.Bool(v.Name))
				case config.KindInt:
					want, have = strings.TrimSpace(want), strings.TrimSpace(have)
				}
				if want != have {
					t.Errorf("%s: %q in the input, %q in the starter config", v.Name, want, have)
				}
				if v.Secret && orig.Has(v.Name) && strings.Contains(out, want) {
					t.Errorf("%s: the secret value is written in the starter config", v.Name)
				}
			}
		})
	}
}

// TestConfigInitValidatesAgainstSchema: the starter config, as written and
// with every commented-out key uncommented, passes both the JSON Schema
// that `config schema` prints and the loader.
func TestConfigInitValidatesAgainstSchema(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range initCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, out, _ := run(t, tc.env, append([]string{"config", "init"}, tc.args...)...)
			if err := sch.Validate(yamlInstance(t, out)); err != nil {
				t.Fatalf("starter config does not match the schema: %v\n%s", err, out)
			}
		})
	}
	t.Run("everything uncommented", func(t *testing.T) {
		_, out, _ := run(t, nil, "config", "init")
		full := uncommentAll(out)
		if err := sch.Validate(yamlInstance(t, full)); err != nil {
			t.Fatalf("uncommented starter does not match the schema: %v\n%s", err, full)
		}
		env := map[string]string{}
		for _, v := range catalog().Vars() {
			env[v.Name] = "x"
		}
		path := filepath.Join(t.TempDir(), "full.yaml")
		if err := os.WriteFile(path, []byte(full), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := config.Load(config.LoadOptions{ConfigPath: path, Env: env, Catalog: catalog()})
		if diags.HasErrors() {
			var b bytes.Buffer
			diags.Write(&b)
			t.Fatalf("uncommented starter does not load:\n%s\n%s", b.String(), full)
		}
		if cfg.Preflight.Concurrency != 32 || cfg.Preflight.CheckTimeouts["postgres.latency"] == 0 {
			t.Errorf("the preflight section was not read: %+v", cfg.Preflight)
		}
	})
}

// TestSchemaAgreesWithLoader: files the loader accepts pass the schema, and
// mistakes the loader rejects fail it too.
func TestSchemaAgreesWithLoader(t *testing.T) {
	sch := compileSchema(t)
	cases := []struct {
		name, yaml string
		valid      bool
	}{
		{"example file", mustRead(t, example("spacectl-preflight.yaml")), true},
		{"empty sections", "server:\ndatabase:\n", true},
		{"reference in a boolean", "objectStorage:\n  minio:\n    useSsl: ${USE_SSL}\n", true},
		{"number in a string", "aws:\n  accountId: 123456789012\n", true},
		{"any case for the vendor", "observability:\n  vendor: openTelemetry\n", true},
		{"unknown key", "server:\n  domian: x\n", false},
		{"unknown section", "servers:\n  domain: x\n", false},
		{"boolean for a string", "server:\n  domain: true\n", false},
		{"unknown enum value", "messageQueue:\n  type: rabbit\n", false},
		{"list for a scalar", "objectStorage:\n  minio:\n    useSsl: [true]\n", false},
		{"scalar for a section", "database: postgres://x\n", false},
		{"bad duration", "preflight:\n  timeout: soon\n", false},
		{"bad stage", "preflight:\n  stage: later\n", false},
		{"override without id", "preflight:\n  checks:\n    - timeout: 5s\n", false},
		{"unsupported version", "version: 2\n", false},
	}
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": "x", "LICENSE_TOKEN": "x", "MINIO_SECRET_ACCESS_KEY": "x", "USE_SSL": "true"}
	if err := os.WriteFile(filepath.Join(dir, "rsa-key.b64"), []byte("a2V5"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schemaErr := sch.Validate(yamlInstance(t, tc.yaml))
			if (schemaErr == nil) != tc.valid {
				t.Errorf("schema: valid=%v, want %v (%v)", schemaErr == nil, tc.valid, schemaErr)
			}
			path := filepath.Join(dir, "c"+string(rune('a'+i))+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := config.Load(config.LoadOptions{ConfigPath: path, Env: env, Catalog: catalog()})
			if diags.HasErrors() == tc.valid {
				t.Errorf("loader: errors=%v, want valid=%v: %v", diags.HasErrors(), tc.valid, diags.Error())
			}
		})
	}
}

func TestConfigInitFileIsNotOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spacectl-preflight.yaml")
	if err := os.WriteFile(path, []byte("precious: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, nil, "config", "init", "--env-file", example("valid.env"), "--file", path)
	if code != ExitUsage || !strings.Contains(errOut, "--force") {
		t.Fatalf("exit %d, want 2 naming --force\n%s", code, errOut)
	}
	if mustRead(t, path) != "precious: true\n" {
		t.Fatal("the existing file was changed")
	}
	code, _, errOut = run(t, nil, "config", "init", "--env-file", example("valid.env"), "--file", path, "--force")
	if code != ExitOK || !strings.Contains(mustRead(t, path), "url: ${DATABASE_URL}") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "export DATABASE_READ_ONLY_URL DATABASE_URL") {
		t.Errorf("stderr does not say which variables to export:\n%s", errOut)
	}
}

func TestConfigInitReportsBadInput(t *testing.T) {
	code, _, errOut := run(t, nil, "config", "init", "--env-file", example("iotcore-postgres.env"), "--env-file", "missing.env")
	if code != ExitUsage || !strings.Contains(errOut, "missing.env") {
		t.Fatalf("exit %d, want 2 naming the missing file\n%s", code, errOut)
	}
}

func loadInputs(t *testing.T, env map[string]string, args []string) *config.Config {
	t.Helper()
	o := config.LoadOptions{Catalog: catalog()}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--env-file":
			i++
			o.EnvFiles = append(o.EnvFiles, args[i])
		case "--k8s-secret":
			i++
			o.K8sSecrets = append(o.K8sSecrets, args[i])
		case "--from-env":
			o.FromEnv = true
		}
	}
	o.Env, o.NoConfigFile = env, true
	cfg, diags := config.Load(o)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	code, out, errOut := run(t, nil, "config", "schema")
	if code != ExitOK {
		t.Fatalf("config schema: exit %d\n%s", code, errOut)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("config schema printed invalid JSON: %v", err)
	}
	if doc.(map[string]any)["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Fatalf("not a draft 2020-12 schema")
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("config.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// yamlInstance converts a YAML document into the JSON value a schema
// validator (and an editor) sees.
func yamlInstance(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, text)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// uncommentAll removes the "# " in front of every commented-out key after
// the header, as a user enabling every setting would.
func uncommentAll(text string) string {
	head, body, _ := strings.Cut(text, "version: 1\n")
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		if strings.HasPrefix(trimmed, "# ") {
			lines[i] = l[:len(l)-len(trimmed)] + strings.TrimPrefix(trimmed, "# ")
		}
	}
	return head + "version: 1\n" + strings.Join(lines, "\n")
}

// activeLines drops comment lines, so ${VAR} examples in them are ignored.
func activeLines(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// catalog is every variable of this build's backends.
func catalog() *config.Catalog { return checks.MustCatalog(AllBackends()) }
