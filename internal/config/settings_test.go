package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/pflag"
)

func settingFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddSettingFlags(fs)
	AddInputSettingFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// loadYAML loads body as the config file c.yaml.
func loadYAML(t *testing.T, body string) (*Config, Diagnostics) {
	t.Helper()
	return Load(LoadOptions{Catalog: testCatalog(), ConfigPath: "c.yaml", Env: map[string]string{}, ReadFile: func(string) ([]byte, error) { return []byte(body), nil }})
}

// TestEverySettingReachesEveryOutput: each table entry has its flag (with
// the table's usage), a conventional variable name, a key the YAML loader
// accepts, a JSON Schema property and a `config init` line whose value
// loads back as the default; and nothing outside the table appears there.
func TestEverySettingReachesEveryOutput(t *testing.T) {
	fs := settingFlags(t)
	var doc struct {
		Properties map[string]struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"properties"`
	}
	data, err := JSONSchema(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Properties["preflight"].Properties
	loaderKeys := buildSchema(testCatalog()).children["preflight"].children
	starter, _ := Starter(New(testCatalog()), StarterOptions{})
	defaults, err := ResolveSettings(Preflight{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	for _, s := range Settings() {
		t.Run(s.Key, func(t *testing.T) {
			for _, name := range []string{"key " + s.Key, "flag " + s.Flag, "env " + s.Env} {
				if seen[name] {
					t.Errorf("%s is declared twice", name)
				}
				seen[name] = true
			}
			if s.Doc == "" {
				t.Error("no doc line")
			}
			f := fs.Lookup(s.Flag)
			if f == nil || f.Usage != s.Doc || f.Shorthand != s.Short {
				t.Errorf("flag --%s: %+v", s.Flag, f)
			}
			if want := kebab(s.Key); s.Flag != want {
				t.Errorf("flag %q: want %q (the YAML key in kebab case)", s.Flag, want)
			}
			if want := EnvSettingPrefix + strings.ToUpper(strings.ReplaceAll(kebab(s.Key), "-", "_")); s.Env != want {
				t.Errorf("variable %q: want %q", s.Env, want)
			}
			if c := loaderKeys[s.Key]; c == nil || c.setting == nil || c.setting.Key != s.Key {
				t.Errorf("the YAML loader does not read preflight.%s through the table", s.Key)
			}
			if p := props[s.Key]; p == nil || p["description"] != s.schemaDescription() {
				t.Errorf("JSON Schema property preflight.%s: %v", s.Key, p)
			}
			line := "  # " + s.Key + ": " + s.typ.yamlDefault() + "  # --" + s.Flag + ": " + s.Doc + "\n"
			if !strings.Contains(string(starter), line) {
				t.Errorf("config init lacks %q", line)
			}
			// The starter's value, uncommented, is the default.
			cfg, diags := loadYAML(t, "preflight:\n  "+s.Key+": "+s.typ.yamlDefault()+"\n")
			if diags.HasErrors() {
				t.Fatalf("the starter's value does not load: %v", diags.Error())
			}
			if _, ok := cfg.Preflight.Pos[s.Key]; !ok || s.Format(cfg.Preflight.SettingValues) != s.Format(defaults.SettingValues) {
				t.Errorf("starter value %q loads as %q, default is %q", s.typ.yamlDefault(), s.Format(cfg.Preflight.SettingValues), s.Format(defaults.SettingValues))
			}
			if defaults.From[s.Key] != FromDefault {
				t.Errorf("default comes from %q", defaults.From[s.Key])
			}
		})
	}
	// checks: is the one YAML-only key; flags of other commands are not ours.
	if len(loaderKeys) != len(Settings())+1 || len(props) != len(Settings())+1 {
		t.Errorf("preflight: has %d loader keys and %d schema properties for %d settings plus checks", len(loaderKeys), len(props), len(Settings()))
	}
	n := 0
	fs.VisitAll(func(*pflag.Flag) { n++ })
	if n != len(Settings()) {
		t.Errorf("AddSettingFlags and AddInputSettingFlags added %d flags for %d settings", n, len(Settings()))
	}
	// Each flag comes from exactly one of the two: a command with the input
	// flags and the run flags (check, bundle) must not define one twice.
	run, input := pflag.NewFlagSet("run", pflag.ContinueOnError), pflag.NewFlagSet("input", pflag.ContinueOnError)
	AddSettingFlags(run)
	AddInputSettingFlags(input)
	for _, s := range Settings() {
		if (run.Lookup(s.Flag) != nil) == (input.Lookup(s.Flag) != nil) || (input.Lookup(s.Flag) != nil) != s.Input {
			t.Errorf("--%s: run flags %v, input flags %v, Input %v", s.Flag, run.Lookup(s.Flag) != nil, input.Lookup(s.Flag) != nil, s.Input)
		}
	}
}

func kebab(key string) string {
	var b strings.Builder
	for _, r := range key {
		if unicode.IsUpper(r) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// samples are, per setting, a value for each layer (YAML text, variable,
// flag) and how the bundle shows it. Every setting needs one, so a new
// setting is covered by TestSettingPrecedence.
var samples = map[string]struct{ yaml, env, flag, wantYAML, wantEnv, wantFlag string }{
	"concurrency":     {"7", "5", "3", "7", "5", "3"},
	"timeout":         {"2m", "90s", "45s", "2m0s", "1m30s", "45s"},
	"checkTimeout":    {"10s", "20s", "5s", "10s", "20s", "5s"},
	"readOnly":        {"true", "false", "true", "true", "false", "true"},
	"probeAllBuckets": {"true", "false", "true", "true", "false", "true"},
	"target":          {"worker", "server", "worker", "worker", "server", "worker"},
	"stage":           {"post-install", "pre-install", "post-install", "post-install", "pre-install", "post-install"},
	"failOn":          {"warn", "fail", "warn", "warn", "fail", "warn"},
	"only":            {`["a.*", "b.c"]`, "d.*,e.f", "g.*", "a.*,b.c", "d.*,e.f", "g.*"},
	"skip":            {`["x.*"]`, "y.*", "z.*", "x.*", "y.*", "z.*"},
	"maxInputSize":    {"20MiB", "30mb", "40 KiB", "20MiB", "30000000B", "40KiB"},
}

// TestSettingPrecedence: defaults < YAML < environment < flags, for every
// setting, each layer alone and stacked; a layer sets only its own setting;
// the bundle names the layer.
func TestSettingPrecedence(t *testing.T) {
	defaults, err := ResolveSettings(Preflight{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		t.Run(s.Key, func(t *testing.T) {
			sm, ok := samples[s.Key]
			if !ok {
				t.Fatalf("no sample values for %s: add them to samples", s.Key)
			}
			cfg, diags := loadYAML(t, "preflight:\n  "+s.Key+": "+sm.yaml+"\n")
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			env := map[string]string{s.Env: sm.env}
			flag := settingFlags(t, "--"+s.Flag+"="+sm.flag)
			cases := []struct {
				name   string
				pf     Preflight
				env    map[string]string
				fs     *pflag.FlagSet
				want   string
				from   SourceKind
				origin string
			}{
				{"default", Preflight{}, map[string]string{s.Env: ""}, settingFlags(t), s.Format(defaults.SettingValues), FromDefault, "default"},
				{"yaml", cfg.Preflight, nil, nil, sm.wantYAML, FromYAML, "yaml preflight." + s.Key},
				{"env", Preflight{}, env, nil, sm.wantEnv, FromEnv, "environment $" + s.Env},
				{"flag", Preflight{}, nil, flag, sm.wantFlag, FromFlag, "flag --" + s.Flag},
				{"env over yaml", cfg.Preflight, env, settingFlags(t), sm.wantEnv, FromEnv, "environment $" + s.Env},
				{"flag over env and yaml", cfg.Preflight, env, flag, sm.wantFlag, FromFlag, "flag --" + s.Flag},
			}
			for _, c := range cases {
				rs, err := ResolveSettings(c.pf, c.env, c.fs)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if got := s.Format(rs.SettingValues); got != c.want || rs.From[s.Key] != c.from || s.Origin(rs.From[s.Key]) != c.origin {
					t.Errorf("%s: %q from %q (%s), want %q from %q", c.name, got, rs.From[s.Key], s.Origin(rs.From[s.Key]), c.want, c.from)
				}
				for _, other := range Settings() {
					if other.Key != s.Key && (rs.From[other.Key] != FromDefault || other.Format(rs.SettingValues) != other.Format(defaults.SettingValues)) {
						t.Errorf("%s: setting %s changed %s", c.name, s.Key, other.Key)
					}
				}
			}
		})
	}
	if len(samples) != len(Settings()) {
		t.Errorf("%d samples for %d settings: remove stale ones", len(samples), len(Settings()))
	}
}

// TestBadSettingValues: each layer reports a bad value with the wording it
// had before the settings table (except the duration flags, which now name
// the one flag at fault).
func TestBadSettingValues(t *testing.T) {
	t.Run("yaml", func(t *testing.T) {
		cases := []struct{ yaml, want string }{
			{"concurrency: 0", `error: c.yaml:2:16: preflight.concurrency: "0" is not a positive whole number
  hint: use a whole number of at least 1, e.g. 8`},
			{"concurrency: x", `error: c.yaml:2:16: preflight.concurrency: "x" is not a positive whole number
  hint: use a whole number of at least 1, e.g. 8`},
			{"concurrency: [1]", `error: c.yaml:2:16: preflight.concurrency: expected a whole number, got a list
  hint: write a single value`},
			{"timeout: soon", `error: c.yaml:2:12: preflight.timeout: "soon" is not a positive duration
  hint: use a Go duration such as 30s, 2m or 1m30s`},
			{"checkTimeout: -1s", `error: c.yaml:2:17: preflight.checkTimeout: "-1s" is not a positive duration
  hint: use a Go duration such as 30s, 2m or 1m30s`},
			{"timeout: {a: 1}", `error: c.yaml:2:12: preflight.timeout: expected a duration, got a mapping
  hint: write a single value`},
			{"readOnly: 1", `error: c.yaml:2:13: preflight.readOnly: expected a boolean, got "1"
  hint: use true or false`},
			{"readOnly: maybe", `error: c.yaml:2:13: preflight.readOnly: expected a boolean, got "maybe"
  hint: use true or false`},
			{"readOnly: [true]", `error: c.yaml:2:13: preflight.readOnly: expected a boolean, got a list
  hint: write a single value`},
			{"stage: later", `error: c.yaml:2:10: preflight.stage: unknown value "later" (want one of: pre-install, post-install)`},
			{"stage: [x]", `error: c.yaml:2:10: preflight.stage: expected a string, got a list
  hint: write a single value`},
			{"failOn: x", `error: c.yaml:2:11: preflight.failOn: unknown value "x" (want one of: fail, warn)`},
			{"only: config.*", `error: c.yaml:2:9: preflight.only: expected a list, got a string
  hint: write a list, e.g. ["storage.*"]`},
			{`skip: [{a: 1}, "config.required"]`, `error: c.yaml:2:10: preflight.skip: expected a string, got a mapping
  hint: each item is a check ID or glob`},
			{"concurency: 3", `error: c.yaml:2:3: preflight.concurency: unknown key
  hint: did you mean "concurrency"?`},
			{"checks:\n    - id: postgres.latency\n      timeout: soon", `error: c.yaml:4:16: preflight.checks[0].timeout: "soon" is not a positive duration
  hint: use a Go duration such as 30s, 2m or 1m30s`},
		}
		for _, c := range cases {
			_, diags := loadYAML(t, "preflight:\n  "+c.yaml+"\n")
			var b bytes.Buffer
			diags.Write(&b)
			if got := strings.TrimSuffix(b.String(), "\n"); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.yaml, got, c.want)
			}
		}
	})
	t.Run("environment", func(t *testing.T) {
		cases := []struct {
			env  map[string]string
			want string
		}{
			{map[string]string{"SPACECTL_PREFLIGHT_CONCURRENCY": "x"}, `$SPACECTL_PREFLIGHT_CONCURRENCY: "x" is not a positive whole number`},
			{map[string]string{"SPACECTL_PREFLIGHT_CONCURRENCY": "0"}, `$SPACECTL_PREFLIGHT_CONCURRENCY: "0" is not a positive whole number`},
			{map[string]string{"SPACECTL_PREFLIGHT_TIMEOUT": "forever"}, `$SPACECTL_PREFLIGHT_TIMEOUT: "forever" is not a positive duration such as 30s`},
			{map[string]string{"SPACECTL_PREFLIGHT_CHECK_TIMEOUT": "0s"}, `$SPACECTL_PREFLIGHT_CHECK_TIMEOUT: "0s" is not a positive duration such as 30s`},
			{map[string]string{"SPACECTL_PREFLIGHT_READ_ONLY": "maybe"}, `$SPACECTL_PREFLIGHT_READ_ONLY: "maybe" is not a boolean`},
			{map[string]string{"SPACECTL_PREFLIGHT_STAGE": "later"}, `--stage "later": want pre-install or post-install`},
			{map[string]string{"SPACECTL_PREFLIGHT_FAIL_ON": "sometimes"}, `--fail-on "sometimes": want fail or warn`},
			{map[string]string{"SPACECTL_PREFLIGHT_CONCURRENCY": "x", "SPACECTL_PREFLIGHT_TIMEOUT": "y", "SPACECTL_PREFLIGHT_READ_ONLY": "z", "SPACECTL_PREFLIGHT_STAGE": "later"},
				"$SPACECTL_PREFLIGHT_CONCURRENCY: \"x\" is not a positive whole number\n$SPACECTL_PREFLIGHT_TIMEOUT: \"y\" is not a positive duration such as 30s\n$SPACECTL_PREFLIGHT_READ_ONLY: \"z\" is not a boolean"},
		}
		for _, c := range cases {
			_, err := ResolveSettings(Preflight{}, c.env, settingFlags(t))
			if err == nil || err.Error() != c.want {
				t.Errorf("%v: %v, want %s", c.env, err, c.want)
			}
		}
		// A flag overrides an enumerated value the environment got wrong.
		if _, err := ResolveSettings(Preflight{}, map[string]string{"SPACECTL_PREFLIGHT_STAGE": "later"}, settingFlags(t, "--stage=post-install")); err != nil {
			t.Errorf("--stage over a bad $SPACECTL_PREFLIGHT_STAGE: %v", err)
		}
	})
	t.Run("flags", func(t *testing.T) {
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"--concurrency=0"}, "--concurrency must be at least 1"},
			{[]string{"--timeout=0s"}, "--timeout must be a positive duration"},
			{[]string{"--check-timeout=-1s"}, "--check-timeout must be a positive duration"},
			{[]string{"--stage=later"}, `--stage "later": want pre-install or post-install`},
			{[]string{"--fail-on=x"}, `--fail-on "x": want fail or warn`},
		}
		for _, c := range cases {
			_, err := ResolveSettings(Preflight{}, nil, settingFlags(t, c.args...))
			if err == nil || err.Error() != c.want {
				t.Errorf("%v: %v, want %s", c.args, err, c.want)
			}
		}
	})
}
