package config

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/golden"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

func TestSettingsDocIsUpToDate(t *testing.T) {
	golden.Section(t, filepath.Join("..", "..", "docs", "config.md"), "settings",
		"go test ./internal/config -run TestSettingsDoc -update", settingsTable(), *update)
}

// settingsTable renders the tool settings' reference in docs/config.md from
// Settings, so the page names every flag, variable, key and default.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| YAML key (`preflight:`) | Flag | Environment variable | Type | Default | Meaning |\n|---|---|---|---|---|---|\n")
	for _, s := range Settings() {
		fmt.Fprintf(&b, "| `%s` | `--%s` | `%s` | %s | `%s` | %s |\n", s.Key, s.Flag, s.Env, s.typ.typeName(), s.typ.yamlDefault(), strings.ReplaceAll(s.Doc, "|", `\|`))
	}
	return b.String()
}
