package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/golden"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

// variablesTable renders the variable reference from the backends of
// both targets, the single source of truth for names, YAML keys and
// secrecy: one table per backend, in report order.
func variablesTable() string {
	var b strings.Builder
	for _, be := range AllBackends() {
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
		for _, a := range v.Aliases {
			notes += fmt.Sprintf(" Also read as `%s`.", a)
		}
		for _, k := range v.SecretKeys {
			notes += fmt.Sprintf(" In a Kubernetes Secret (--k8s-secret), also read from the key `%s`.", k)
		}
		if n := v.DefaultNote(); n != "" {
			notes += " " + strings.ToUpper(n[:1]) + strings.Replace(n[1:], ": "+v.Default, ": `"+v.Default+"`", 1) + "."
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", v.Name, key, typ, secret, v.Origin, strings.ReplaceAll(notes, "|", `\|`))
	}
}

func TestConfigDocIsUpToDate(t *testing.T) {
	golden.Section(t, filepath.Join("..", "..", "docs", "config.md"), "variables",
		"go test ./internal/cli -run TestConfigDoc -update", variablesTable(), *update)
}
