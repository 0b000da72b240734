package config

import (
	"strings"
	"testing"
)

// TestTyposAreSuggestedFromEverySource: a misspelt or mis-cased name gets a
// "did you mean", whether it comes from an env file, a Secret or the
// process environment (--from-env, which used to look up known names only).
func TestTyposAreSuggestedFromEverySource(t *testing.T) {
	typos := map[string]string{
		"DATABSE_URL":                 "DATABASE_URL",  // a deleted letter, outside the DATABASE_ family
		"database_url":                "DATABASE_URL",  // letter case
		"SERVER_DOAMIN":               "SERVER_DOMAIN", // two letters swapped
		"OBJECT_STORAGE_BUKET_STATES": "OBJECT_STORAGE_BUCKET_STATES",
		"OBJECT_STORAGE_BUCKT_STATS":  "OBJECT_STORAGE_BUCKET_STATES", // two edits in a long name
	}
	var envFile, secret strings.Builder
	secret.WriteString("kind: Secret\nstringData:\n")
	for typo := range typos {
		envFile.WriteString(typo + "=x\n")
		secret.WriteString("  " + typo + ": x\n")
	}
	files := map[string]string{"s.env": envFile.String(), "k.yaml": secret.String()}
	read := func(p string) ([]byte, error) { return []byte(files[p]), nil }
	for _, o := range []LoadOptions{
		{EnvFiles: []string{"s.env"}},
		{K8sSecrets: []string{"k.yaml"}},
		{FromEnv: true},
	} {
		o.Catalog, o.ReadFile, o.Env = testCatalog(), read, map[string]string{}
		for typo := range typos {
			o.Env[typo] = "x"
		}
		_, ds := Load(o)
		out := diagLines(ds)
		for typo, want := range typos {
			if !strings.Contains(out, typo+": unknown variable, ignored") || !strings.Contains(out, "hint: did you mean "+want+"?") {
				t.Errorf("%+v: no suggestion for %s:\n%s", o.EnvFiles, typo, out)
			}
		}
		if !strings.Contains(out, "database_url: unknown variable, ignored (names are case-sensitive)") {
			t.Errorf("the letter case is not named:\n%s", out)
		}
		if ds.HasErrors() || len(ds) != len(typos) {
			t.Errorf("want %d warnings, got:\n%s", len(typos), out)
		}
	}
}

// TestOrdinaryVariablesStayQuiet: names that are not near one of ours are
// not reported, from any source; the tool's own variables neither.
func TestOrdinaryVariablesStayQuiet(t *testing.T) {
	env := map[string]string{"PATH": "/bin", "HOME": "/root", "HOSTNAME": "pod-0", "DATABASE": "x", "SERVER": "x", "SERVER_PORT": "1983",
		"DATABASE_HOST": "db", "KUBERNETES_SERVICE_HOST": "10.0.0.1", "SPACECTL_PREFLIGHT_TIMEOUT": "1m", EnvConfigPath: "c.yaml",
		"ADMIN_USER": "x", // a prefix of ADMIN_USERNAME, not a typo of it
	}
	_, ds := Load(LoadOptions{Catalog: testCatalog(), FromEnv: true, Env: env, NoConfigFile: true})
	if len(ds) > 0 {
		t.Errorf("ordinary variables reported:\n%s", diagLines(ds))
	}
}
