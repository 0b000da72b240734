package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

// variablesTable renders the variable reference from Vars, the single
// source of truth for names, YAML keys and secrecy.
func variablesTable() string {
	var b strings.Builder
	b.WriteString("| Variable | YAML key | Type | Secret | Origin | Notes |\n|---|---|---|---|---|---|\n")
	for _, v := range Vars() {
		typ := map[Kind]string{KindString: "string", KindBool: "boolean", KindInt: "integer", KindEnum: "one of " + strings.Join(v.Enum, ", ")}[v.Kind]
		key := "`" + v.Path + "`"
		if v.FileKey {
			key += " / `" + v.Path + "File`"
		}
		secret := ""
		if v.Secret {
			secret = "yes"
		}
		notes := v.Doc
		if v.Default != "" {
			notes += fmt.Sprintf(" Spacelift's default when unset: `%s`.", v.Default)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", v.Name, key, typ, secret, v.Origin, strings.ReplaceAll(notes, "|", `\|`))
	}
	return b.String()
}

func TestConfigDocIsUpToDate(t *testing.T) {
	checkGeneratedSection(t, "variables", variablesTable())
	checkGeneratedSection(t, "settings", settingsTable())
}

// checkGeneratedSection compares the text between docs/config.md's markers
// of the named section with body (and rewrites it with -update).
func checkGeneratedSection(t *testing.T, name, body string) {
	t.Helper()
	beginMarker := "<!-- BEGIN GENERATED: " + name + " (go test ./internal/config -update) -->"
	endMarker := "<!-- END GENERATED: " + name + " -->"
	path := filepath.Join("..", "..", "docs", "config.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, beginMarker), strings.Index(doc, endMarker)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-section markers of %s", path, name)
	}
	want := doc[:i+len(beginMarker)] + "\n" + body + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is stale (%s): run go test ./internal/config -update", path, name)
}
