package bundle

import (
	"sort"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// EffectiveConfig is the configuration the run used: every variable with
// its displayable value (secrets redacted, URL passwords masked) and where
// it came from, the values Spacelift implies for unset type variables, and
// the tool's own settings with their origin.
type EffectiveConfig struct {
	InputFiles []string      `json:"inputFiles"`
	Variables  []ConfigValue `json:"variables"`
	Settings   []Setting     `json:"settings"`
}

// ConfigValue is one variable.
type ConfigValue struct {
	Name   string        `json:"name"`
	Value  string        `json:"value"`
	Secret bool          `json:"secret"`
	From   string        `json:"from"`
	Source config.Source `json:"source"`
}

// Setting is one of the tool's own settings and where its value came from
// (flag, SPACECTL_PREFLIGHT_* variable, the YAML preflight section, or the
// default).
type Setting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Effective builds the EffectiveConfig; scrub is applied to every value,
// secret or not, so a value that happens to contain a secret is redacted
// too.
func Effective(cfg *config.Config, settings []Setting, scrub func(string) string) EffectiveConfig {
	out := EffectiveConfig{InputFiles: append([]string{}, cfg.Files...), Variables: []ConfigValue{}, Settings: []Setting{}}
	for _, name := range cfg.Names() {
		v, _ := cfg.Lookup(name)
		def, _ := cfg.Catalog().Lookup(name)
		out.Variables = append(out.Variables, ConfigValue{
			Name: name, Value: scrub(v.Display()), Secret: def.Secret, From: scrub(v.Source.String()), Source: scrubSource(v.Source, scrub),
		})
	}
	for _, def := range cfg.Catalog().Vars() {
		if def.Default == "" || cfg.Has(def.Name) {
			continue
		}
		src := config.Source{Kind: config.FromDefault}
		out.Variables = append(out.Variables, ConfigValue{Name: def.Name, Value: def.Default, From: "default (implied by Spacelift when unset)", Source: src})
	}
	for _, s := range settings {
		out.Settings = append(out.Settings, Setting{Name: s.Name, Value: scrub(s.Value), Source: s.Source})
	}
	sort.SliceStable(out.Variables, func(i, j int) bool { return out.Variables[i].Name < out.Variables[j].Name })
	return out
}

func scrubSource(s config.Source, scrub func(string) string) config.Source {
	s.File, s.Var, s.Object = scrub(s.File), scrub(s.Var), scrub(s.Object)
	return s
}
