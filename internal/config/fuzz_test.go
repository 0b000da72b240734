package config

import (
	"testing"
)

// The loaders read operator-written files: no input may panic them, and a
// secret written in a bad line must never come back in a diagnostic.
func FuzzLoadInputs(f *testing.F) {
	f.Add([]byte("server:\n  domain: x\npreflight:\n  checks:\n    - id: a.b\n      timeout: 1s\n"), []byte("export A=1\nDATABASE_URL='postgres://u:p@h/d'\n"))
	f.Add([]byte("a: [b, {c: d}]\n---\nkind: Secret\n"), []byte("X=\"unterminated\n=bad\n"))
	f.Add([]byte("kind: Secret\nstringData:\n  SERVER_DOMAIN: x\ndata:\n  DATABASE_URL: '!!'\n"), []byte(""))
	f.Fuzz(func(t *testing.T, yamlData, envData []byte) {
		files := map[string][]byte{"c.yaml": yamlData, "s.env": envData, "k.yaml": yamlData}
		read := func(p string) ([]byte, error) { return files[p], nil }
		_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: "c.yaml", EnvFiles: []string{"s.env"}, K8sSecrets: []string{"k.yaml"}, Env: map[string]string{}, ReadFile: read})
		_ = ds.Error()
	})
}
