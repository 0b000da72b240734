// Package ci_test checks the CI templates: that they parse, that they wire
// the reports where each CI system reads them, and that their
// spacectl-preflight command line really works.
package ci_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/spacelift-io/spacectl-preflight/internal/cli"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

type ghStep struct {
	Name            string            `yaml:"name"`
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	With            map[string]string `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError any               `yaml:"continue-on-error"`
}

type ghWorkflow struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		RunsOn any      `yaml:"runs-on"`
		Steps  []ghStep `yaml:"steps"`
	} `yaml:"jobs"`
}

type glJob struct {
	Image     string   `yaml:"image"`
	Script    []string `yaml:"script"`
	Artifacts struct {
		When    string   `yaml:"when"`
		Paths   []string `yaml:"paths"`
		Reports struct {
			JUnit any `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

func TestGitHubActionsWorkflow(t *testing.T) {
	var wf ghWorkflow
	decode(t, "github-actions.yml", &wf)
	if len(wf.On) == 0 || len(wf.Jobs) != 1 {
		t.Fatalf("want triggers and exactly one job, got %d triggers and %d jobs", len(wf.On), len(wf.Jobs))
	}
	var steps []ghStep
	for _, j := range wf.Jobs {
		if j.RunsOn == nil {
			t.Error("the job has no runs-on")
		}
		steps = j.Steps
	}
	check := findStep(t, steps, func(s ghStep) bool { return strings.Contains(s.Run, "spacectl-preflight check") })
	if check.ContinueOnError != nil {
		t.Errorf("the check step must fail the job on exit 1; remove continue-on-error")
	}
	if check.If != "" {
		t.Errorf("the check step must always run, got if: %s", check.If)
	}
	args := commandArgs(t, check.Run)
	junit, markdown := outputPath(t, args, "junit"), outputPath(t, args, "markdown")

	summary := findStep(t, steps, func(s ghStep) bool { return strings.Contains(s.Run, "$GITHUB_STEP_SUMMARY") })
	if !strings.Contains(summary.Run, markdown) {
		t.Errorf("the summary step does not append %s to $GITHUB_STEP_SUMMARY:\n%s", markdown, summary.Run)
	}
	upload := findStep(t, steps, func(s ghStep) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
	if upload.With["path"] != junit {
		t.Errorf("the upload step uploads %q, but the JUnit report is %q", upload.With["path"], junit)
	}
	for _, s := range []ghStep{summary, upload} {
		if !runsAfterFailure(s.If) {
			t.Errorf("step %q must run after a failed check (if: ${{ !cancelled() }} or always()), got if: %q", s.Name, s.If)
		}
	}
	runCommand(t, args, check.Env, junit, markdown)
}

func TestGitLabCIJob(t *testing.T) {
	var jobs map[string]glJob
	decode(t, "gitlab-ci.yml", &jobs)
	job, ok := jobs["spacelift-preflight"]
	if !ok {
		t.Fatalf("no spacelift-preflight job")
	}
	if job.Image == "" {
		t.Error("the job names no image")
	}
	var cmd string
	for _, line := range job.Script {
		if strings.Contains(line, "spacectl-preflight check") {
			cmd = line
		}
	}
	if cmd == "" {
		t.Fatalf("no script line runs spacectl-preflight check")
	}
	args := commandArgs(t, cmd)
	junit, markdown := outputPath(t, args, "junit"), outputPath(t, args, "markdown")
	if job.Artifacts.Reports.JUnit != junit {
		t.Errorf("artifacts:reports:junit is %v, but the report is written to %q", job.Artifacts.Reports.JUnit, junit)
	}
	if job.Artifacts.When != "always" {
		t.Errorf("artifacts:when is %q; want always, so a failed check still publishes its report", job.Artifacts.When)
	}
	runCommand(t, args, nil, junit, markdown)
}

func decode(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(false)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func findStep(t *testing.T, steps []ghStep, match func(ghStep) bool) ghStep {
	t.Helper()
	for _, s := range steps {
		if match(s) {
			return s
		}
	}
	t.Fatalf("no such step among %d", len(steps))
	return ghStep{}
}

func runsAfterFailure(cond string) bool {
	c := strings.ReplaceAll(cond, " ", "")
	return strings.Contains(c, "always()") || strings.Contains(c, "!cancelled()")
}

// commandArgs returns the arguments after the program name. The templates
// use no quoting or shell expansion, which keeps this split exact.
func commandArgs(t *testing.T, line string) []string {
	t.Helper()
	fields := strings.Fields(line)
	if len(fields) < 2 || fields[0] != "spacectl-preflight" {
		t.Fatalf("not a spacectl-preflight command: %q", line)
	}
	for _, f := range fields {
		if strings.ContainsAny(f, `"'$;|&`) {
			t.Fatalf("the command uses shell syntax (%q); extend commandArgs", f)
		}
	}
	return fields[1:]
}

func outputPath(t *testing.T, args []string, format string) string {
	t.Helper()
	for i, a := range args {
		if (a == "-o" || a == "--output") && i+1 < len(args) {
			if f, p, ok := strings.Cut(args[i+1], "="); ok && f == format {
				return p
			}
		}
	}
	t.Fatalf("the command %v writes no %s report to a file", args, format)
	return ""
}

// runCommand runs the template's command line with the real CLI, in a
// folder holding a valid spacelift.env, limited to the offline checks, and
// checks that both reports are written where the CI system reads them.
func runCommand(t *testing.T, args []string, stepEnv map[string]string, junit, markdown string) {
	t.Helper()
	valid, err := filepath.Abs(filepath.Join("..", "..", "testdata", "examples", "valid.env"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if err := os.WriteFile("spacelift.env", data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Secrets the step maps from CI secrets get the example's values.
	cfg, diags := config.Load(config.LoadOptions{EnvFiles: []string{"spacelift.env"}, NoConfigFile: true, Catalog: checks.MustCatalog(cli.Backends())})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	env := map[string]string{}
	for name := range stepEnv {
		if cfg.Has(name) {
			env[name] = cfg.Secret(name).Reveal()
		}
	}
	var out, errOut bytes.Buffer
	s := &cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut, Env: env, Now: time.Now}
	code := cli.Main(context.Background(), s, cli.BuildInfo{Version: "test"}, append(args, "--only", "config.*"))
	if code != cli.ExitOK {
		t.Fatalf("%v: exit %d\n%s\n%s", args, code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "config.required") {
		t.Errorf("no table on stdout:\n%s", out.String())
	}
	report, err := os.ReadFile(junit)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	var suites struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(report, &suites); err != nil || !strings.HasPrefix(suites.XMLName.Local, "testsuite") {
		t.Errorf("%s is not a JUnit report: %v", junit, err)
	}
	md, err := os.ReadFile(markdown)
	if err != nil || !strings.Contains(string(md), "config.required") {
		t.Errorf("no Markdown report at %s: %v", markdown, err)
	}
}
