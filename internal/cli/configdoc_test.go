package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

const (
	beginMarker = "<!-- BEGIN GENERATED: variables (go test ./internal/cli -run TestConfigDoc -update) -->"
	endMarker   = "<!-- END GENERATED: variables -->"
)

// variablesTable renders the variable reference from the backends, the
// single source of truth for names, YAML keys and secrecy: one table per
// backend, in report order.
func variablesTable() string {
	var b strings.Builder
	for _, be := range Backends() {
		if vs := be.Vars(); len(vs) > 0 {
			fmt.Fprintf(&b, "\n### %s\n\n", be.Group().Title)
			variableRows(&b, vs)
		}
	}
	return strings.TrimPrefix(b.String(), "\n")
}

func variableRows(b *strings.Builder, vars []config.Var) {
	b.WriteString("| Variable | YAML key | Type | Secret | Origin | Notes |\n|---|---|---|---|---|---|\n")
	for _, v := range vars {
		typ := map[config.Kind]string{config.KindString: "string", config.KindBool: "boolean", config.KindInt: "integer", config.KindEnum: "one of " + strings.Join(v.Enum, ", ")}[v.Kind]
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
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", v.Name, key, typ, secret, v.Origin, strings.ReplaceAll(notes, "|", `\|`))
	}
}

func TestConfigDocIsUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "config.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, beginMarker), strings.Index(doc, endMarker)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-section markers", path)
	}
	want := doc[:i+len(beginMarker)] + "\n" + variablesTable() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is stale: run go test ./internal/cli -run TestConfigDoc -update", path)
}
