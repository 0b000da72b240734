package config

import (
	"strings"
	"testing"
)

// Each input keeps its own variables: a later Secret overriding a value in
// the merged view does not erase what the earlier one held, and a file of
// several Secrets is one input per Secret.
func TestInputsKeepWhatEachInputSet(t *testing.T) {
	dir := t.TempDir()
	env := write(t, dir, "shared.env", "SERVER_DOMAIN=a.example.com\nADMIN_USERNAME=\n")
	secrets := write(t, dir, "secrets.yaml", `apiVersion: v1
kind: Secret
metadata: {name: spacelift-shared}
stringData:
  SERVER_DOMAIN: b.example.com
---
apiVersion: v1
kind: Secret
metadata: {name: spacelift-server}
stringData:
  ADMIN_USERNAME: admin
`)
	drain := write(t, dir, "drain.env", "DRAIN_CONCURRENCY_DLQ=2\n")
	server := write(t, dir, "server.yml", "kind: Secret\nmetadata: {name: mine}\nstringData: {ADMIN_PASSWORD: pw}\n")
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), EnvFiles: []string{env}, K8sSecrets: []string{secrets},
		Services: []ServiceFile{{"drain", drain}, {"server", server}}})
	if ds.HasErrors() {
		t.Fatal(diagLines(ds))
	}
	if cfg.Get(ServerDomain) != "b.example.com" {
		t.Errorf("merged SERVER_DOMAIN %q, want the Secret's", cfg.Get(ServerDomain))
	}
	var got []string
	for _, in := range cfg.Inputs() {
		var names []string
		for n, src := range in.Vars {
			if src.File != in.File {
				t.Errorf("%s: %s located in %s", in.Label(), n, src.File)
			}
			names = append(names, n)
		}
		got = append(got, in.Label()+"|"+in.Service+"|"+in.SecretName()+"|"+strings.Join(names, ","))
	}
	want := []string{
		env + "|||SERVER_DOMAIN", // the empty ADMIN_USERNAME sets nothing
		secrets + " (Secret spacelift-shared)||spacelift-shared|SERVER_DOMAIN",
		secrets + " (Secret spacelift-server)||spacelift-server|ADMIN_USERNAME",
		drain + "|drain||DRAIN_CONCURRENCY_DLQ",
		server + " (Secret mine)|server|mine|ADMIN_PASSWORD",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseServiceFile(t *testing.T) {
	for in, want := range map[string]string{
		"server=server.env": "server server.env",
		"shared=a=b.env":    "shared a=b.env",
		"api=x.env":         `unknown service "api"`,
		"server":            "is not SERVICE=FILE",
		"server=":           "is not SERVICE=FILE",
	} {
		sf, err := ParseServiceFile(in)
		got := sf.Service + " " + sf.Path
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, want) {
			t.Errorf("ParseServiceFile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHelmValues(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "values.yaml", `shared:
  secretRef: spacelift-shared
  serverHostname: spacelift.example.com
  image: &img {repository: r}
server:
  image: *img
  replicaCount: 2
ingress:
  hosts: [a, b]
`)
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), HelmValues: p})
	if ds.HasErrors() {
		t.Fatal(diagLines(ds))
	}
	l, ok := cfg.Helm.Lookup("shared.serverHostname")
	if !ok || l.Value != "spacelift.example.com" || l.Pos.String() != p+":3:19" {
		t.Errorf("shared.serverHostname = %+v (%s), %v", l, l.Pos, ok)
	}
	if _, ok := cfg.Helm.Lookup("server.image.repository"); ok {
		t.Error("an alias to a mapping was expanded")
	}
	if l, _ := cfg.Helm.Lookup("server.replicaCount"); l.Value != "2" {
		t.Errorf("server.replicaCount = %q", l.Value)
	}
	if len(cfg.Files) != 0 {
		t.Errorf("the values file counts as a configuration input: %v", cfg.Files)
	}

	for body, want := range map[string]string{
		"shared: [": "values.yaml:1",
		"- a\n- b":  "expected a mapping of values, got a list",
	} {
		bad := write(t, dir, "values.yaml", body)
		_, ds := Load(LoadOptions{Catalog: testCatalog(), HelmValues: bad})
		if !ds.HasErrors() || !strings.Contains(diagLines(ds), want) {
			t.Errorf("%q: diagnostics %q, want an error with %q", body, diagLines(ds), want)
		}
	}
	_, ds = Load(LoadOptions{Catalog: testCatalog(), HelmValues: dir + "/missing.yaml"})
	if !ds.HasErrors() || !strings.Contains(diagLines(ds), "--helm-values") {
		t.Errorf("a missing values file: %s", diagLines(ds))
	}
}
