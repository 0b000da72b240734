package checks_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/spacelift-io/spacectl-preflight"

// deps lists the packages pkg imports, directly or not (go list -deps).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// sdkPrefixes are the cloud and driver SDKs the backends use.
var sdkPrefixes = []string{
	"github.com/aws/", "cloud.google.com/", "google.golang.org/grpc", "google.golang.org/api", "github.com/Azure/",
	"github.com/minio/", "github.com/jackc/", "github.com/eclipse/paho", "github.com/mochi-mqtt/",
}

// TestImportRules enforces docs/architecture.md's rules: the core imports
// no SDK and no backend, the report no backend, the config loader neither
// the core nor the report.
func TestImportRules(t *testing.T) {
	backend := module + "/internal/checks/"
	for _, rule := range []struct {
		pkg    string
		forbid []string
		why    string
		// onlyThirdParty, when set, are the only third-party modules the
		// package may depend on (the core: what config needs).
		onlyThirdParty []string
	}{
		{pkg: "internal/checks", forbid: append([]string{backend}, sdkPrefixes...), why: "the core imports no SDK and no backend",
			onlyThirdParty: []string{"gopkg.in/yaml.v3", "github.com/spf13/pflag"}},
		{pkg: "internal/report", forbid: append([]string{backend}, sdkPrefixes...), why: "the report imports no backend"},
		{pkg: "internal/serve", forbid: append([]string{backend, module + "/internal/cli"}, sdkPrefixes...), why: "serve runs checks only through the function cli gives it"},
		{pkg: "internal/config", forbid: []string{module + "/internal/checks", module + "/internal/report"}, why: "config imports neither the core nor the report"},
	} {
		for _, d := range deps(t, rule.pkg) {
			for _, f := range rule.forbid {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s imports %s: %s", rule.pkg, d, rule.why)
				}
			}
			thirdParty := strings.Contains(strings.Split(d, "/")[0], ".") && !strings.HasPrefix(d, module+"/")
			if rule.onlyThirdParty != nil && thirdParty {
				ok := false
				for _, m := range rule.onlyThirdParty {
					ok = ok || d == m || strings.HasPrefix(d, m+"/")
				}
				if !ok {
					t.Errorf("%s imports the third-party package %s: %s", rule.pkg, d, rule.why)
				}
			}
		}
	}
}

// TestOnlyTheCompositionRootNamesEveryBackend: internal/cli/backends.go
// imports every backend; no other file of the tool imports them all.
func TestOnlyTheCompositionRootNamesEveryBackend(t *testing.T) {
	root := filepath.Join("..", "..")
	imports := func(path string) map[string]bool {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, s := range f.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			m[p] = true
		}
		return m
	}
	compRoot := filepath.Join(root, "internal", "cli", "backends.go")
	var all []string
	for p := range imports(compRoot) {
		if strings.HasPrefix(p, module+"/internal/checks/") {
			all = append(all, p)
		}
	}
	if len(all) < 8 {
		t.Fatalf("the composition root imports %d backends; is it still %s?", len(all), compRoot)
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == compRoot {
			return nil
		}
		got := imports(path)
		n := 0
		for _, b := range all {
			if got[b] {
				n++
			}
		}
		if n == len(all) {
			t.Errorf("%s imports every backend: only %s may", path, compRoot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
