package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

// parseSecretText runs the Secret parser on body as the file k.yaml.
func parseSecretText(body string) (map[string]string, Diagnostics) {
	got := map[string]string{}
	var ds Diagnostics
	parseK8sSecrets("k.yaml", []byte(body), func(name, value string, _ Source) { got[name] = value }, &ds)
	return got, ds
}

var b64 = base64.StdEncoding.EncodeToString

// TestK8sSecretShapes: every shape kubectl prints is read, every shape
// Kubernetes would refuse is an error located at the value, and a file
// with nothing to read says so. No diagnostic repeats a value.
func TestK8sSecretShapes(t *testing.T) {
	cases := []struct {
		name, body string
		want       map[string]string
		diags      string
	}{
		{name: "kubectl get secret a b -o yaml (a List)",
			body: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: spacelift-shared}
  data:
    SERVER_DOMAIN: ` + b64([]byte("a.example.com")) + `
- apiVersion: v1
  kind: Secret
  metadata: {name: spacelift-server}
  stringData:
    ADMIN_USERNAME: admin
metadata:
  resourceVersion: ""
`,
			want: map[string]string{"SERVER_DOMAIN": "a.example.com", "ADMIN_USERNAME": "admin"}},
		{name: "a SecretList from the API",
			body: "kind: SecretList\nitems:\n- kind: Secret\n  stringData: {ADMIN_USERNAME: admin}\n- kind: ConfigMap\n  data: {SERVER_DOMAIN: b.example.com}\n",
			want: map[string]string{"ADMIN_USERNAME": "admin", "SERVER_DOMAIN": "b.example.com"}},
		{name: "multi-document, with empty documents",
			body: "---\nkind: Secret\nstringData:\n  ADMIN_USERNAME: admin\n---\n---\nkind: Secret\ndata:\n  SERVER_DOMAIN: " + b64([]byte("c.example.com")) + "\n---\n",
			want: map[string]string{"ADMIN_USERNAME": "admin", "SERVER_DOMAIN": "c.example.com"}},
		{name: "null and aliased values",
			body: "kind: Secret\nstringData:\n  ADMIN_USERNAME: &u admin\n  SERVER_DOMAIN:\n  OTHER: *u\n",
			want: map[string]string{"ADMIN_USERNAME": "admin", "SERVER_DOMAIN": "", "OTHER": "admin"}},
		{name: "a mapping under data",
			body: "kind: Secret\nmetadata:\n  name: s\ndata:\n  DATABASE_URL:\n    password: " + canary + "\n  SERVER_DOMAIN: " + b64([]byte("d.example.com")) + "\n",
			want: map[string]string{"SERVER_DOMAIN": "d.example.com"},
			diags: "error: k.yaml:6:5: DATABASE_URL: expected a string, got a mapping\n" +
				"  hint: each value under data: is one base64 string; put plain text under stringData: instead\n"},
		{name: "a list under stringData",
			body: "kind: Secret\nstringData:\n  DATABASE_URL: [" + canary + "]\n",
			want: map[string]string{},
			diags: "error: k.yaml:3:17: DATABASE_URL: expected a string, got a list\n" +
				"  hint: each value under stringData: is one string; quote it if it contains ': ' or '#'\n"},
		{name: "data is a list",
			body: "kind: Secret\ndata:\n- " + canary + "\n",
			want: map[string]string{},
			diags: "error: k.yaml:3:1: data: expected a mapping of variable names to values, got a list\n" +
				"  hint: write one NAME: value per line under data:\n"},
		{name: "invalid base64",
			body: "kind: Secret\ndata:\n  DATABASE_URL: " + canary + "!\n",
			want: map[string]string{},
			diags: "error: k.yaml:3:17: DATABASE_URL: not valid base64\n" +
				"  hint: values under data: are base64; put plain text under stringData: instead\n"},
		{name: "a key that is not a name",
			body:  "kind: Secret\nstringData:\n  ? [" + canary + "]\n  : x\n",
			want:  map[string]string{},
			diags: "error: k.yaml:3:5: expected a variable name as the key, got a list\n  hint: each key is a variable name\n"},
		{name: "no Secret in the file",
			body: "kind: Deployment\nmetadata:\n  name: nope\n",
			want: map[string]string{},
			diags: "warning: k.yaml:1:1: document 1 is a \"Deployment\", not a Secret; ignored\n" +
				"  hint: pass only Secret or ConfigMap manifests with --k8s-secret\n" +
				"warning: k.yaml: the file holds no Secret or ConfigMap: nothing was read from it\n" +
				"  hint: pass what `kubectl get secret NAME -o yaml` prints: a Secret, several separated by ---, or a List of them\n"},
		{name: "an empty List",
			body: "kind: List\nitems: []\n",
			want: map[string]string{},
			diags: "warning: k.yaml: the file holds no Secret or ConfigMap: nothing was read from it\n" +
				"  hint: pass what `kubectl get secret NAME -o yaml` prints: a Secret, several separated by ---, or a List of them\n"},
		{name: "an empty file",
			body: "",
			want: map[string]string{},
			diags: "warning: k.yaml: the file is empty: it holds no Secret or ConfigMap\n" +
				"  hint: pass what `kubectl get secret NAME -o yaml` prints: a Secret, several separated by ---, or a List of them\n"},
		{name: "a Secret with no data",
			body: "kind: Secret\nmetadata:\n  name: empty\ntype: Opaque\n",
			want: map[string]string{},
			diags: "warning: k.yaml:1:1: Secret empty has no data: nothing was read from it\n" +
				"  hint: its variables go under data: (base64) or stringData: (plain text)\n"},
		{name: "a document that is not an object",
			body: canary + "\n",
			want: map[string]string{},
			diags: "warning: k.yaml:1:1: document 1 is a string, not a Kubernetes object; ignored\n" +
				"  hint: pass only Secret or ConfigMap manifests with --k8s-secret\n" +
				"warning: k.yaml: the file holds no Secret or ConfigMap: nothing was read from it\n" +
				"  hint: pass what `kubectl get secret NAME -o yaml` prints: a Secret, several separated by ---, or a List of them\n"},
		{name: "an unknown anchor",
			body:  "kind: Secret\nstringData:\n  DATABASE_URL: *" + canary + "\n",
			want:  map[string]string{},
			diags: "error: k.yaml: unknown anchor referenced\n  hint: check the YAML syntax (indentation, tabs, quotes)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ds := parseSecretText(c.body)
			out := diagLines(ds)
			if out != c.diags {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", out, c.diags)
			}
			if strings.Contains(out, canary) {
				t.Errorf("a value came back in a diagnostic:\n%s", out)
			}
			if len(got) != len(c.want) {
				t.Errorf("read %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// TestK8sKeysAreEscaped: a key is printed (it names the variable), with its
// control characters escaped.
func TestK8sKeysAreEscaped(t *testing.T) {
	_, ds := Load(LoadOptions{Catalog: testCatalog(), K8sSecrets: []string{"k.yaml"}, Env: map[string]string{},
		ReadFile: func(string) ([]byte, error) {
			return []byte("kind: Secret\nstringData:\n  \"DATABASE_URL\\e[2J\": [x]\n  \"SERVER_DOMAIN\\e]0;\": x\n"), nil
		}})
	out := diagLines(ds)
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `k.yaml:3:24: DATABASE_URL\x1b[2J: expected a string, got a list`) {
		t.Errorf("keys not escaped:\n%q", out)
	}
}
