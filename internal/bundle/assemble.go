package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// ManifestName is the manifest's name in the archive.
const ManifestName = "manifest.json"

// Input is everything a bundle is made of.
type Input struct {
	Report report.Report
	// ResultsFile is the base name of --results, or "" when this command
	// ran the checks.
	ResultsFile string
	Config      *config.Config
	Settings    []Setting
	Build       Build
	// Env is the process environment; only names are read from it.
	Env map[string]string
	// Network and the two item lists come from Endpoints and
	// CollectNetwork.
	Network      []EndpointReport
	Collected    []Item
	NotCollected []Item
	Log          *LogBuffer
	// Scrubber redacts every collected text and counts what it redacted;
	// the same scrubber is the final sweep.
	Scrubber  *secret.Scrubber
	CreatedAt time.Time
	// Incomplete lists why the bundle is partial (empty when complete).
	Incomplete []string
	// ExtraFiles are added as they are (a test seam: the sweep must catch
	// whatever they hold).
	ExtraFiles []File
}

// Assemble renders every file of the bundle, manifest last. It does not
// sweep: Write does, over exactly the files returned here.
func Assemble(in Input) ([]File, error) {
	scrub := in.Scrubber.Scrub
	rep := scrubReport(in.Report, scrub)
	var files []File
	formats := []struct{ name, format, about string }{
		{"results.json", "json", "the results as JSON (docs/output-json.md)"},
		{"results.xml", "junit", "the results as JUnit XML"},
		{"results.md", "markdown", "the results as Markdown"},
		{"results.txt", "table", "the results as a plain table"},
	}
	for _, f := range formats {
		render, err := report.Lookup(f.format)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := render(&buf, rep, report.Options{}); err != nil {
			return nil, fmt.Errorf("rendering %s: %w", f.name, err)
		}
		files = append(files, File{Name: f.name, Data: buf.Bytes(), About: f.about})
	}
	add := func(name, about string, v any) error {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encoding %s: %w", name, err)
		}
		files = append(files, File{Name: name, Data: buf.Bytes(), About: about})
		return nil
	}
	cfg := in.Config
	if cfg == nil {
		empty, _ := config.NewCatalog(nil)
		cfg = config.New(empty)
	}
	if err := add("config.json", "the effective configuration, secrets redacted, with where every value came from", Effective(cfg, in.Settings, scrub)); err != nil {
		return nil, err
	}
	if err := add("environment.json", "tool version and build, OS and architecture, and the platform (Kubernetes, ECS, CI) detected from environment variable names", DetectEnvironment(in.Env, in.Build, cfg.Catalog())); err != nil {
		return nil, err
	}
	network := in.Network
	if network == nil {
		network = []EndpointReport{}
	}
	if err := add("network.json", "DNS resolution of every configured endpoint and the TLS certificate chain of every TLS endpoint (recorded, not trusted)", map[string]any{"endpoints": network}); err != nil {
		return nil, err
	}
	if err := add("timings.json", "how long each check took", timings(rep)); err != nil {
		return nil, err
	}
	logAbout := "the debug log of this command (JSON lines, scrubbed)"
	var logData []byte
	if in.Log != nil {
		logData = in.Log.Bytes()
		if in.Log.Truncated() {
			logAbout += "; its middle was dropped to cap the size"
		}
	}
	files = append(files, File{Name: "debug.log", Data: logData, About: logAbout})
	files = append(files, in.ExtraFiles...)

	m := Manifest{
		SchemaVersion: ManifestSchemaVersion, Tool: in.Build, CreatedAt: in.CreatedAt.UTC(),
		Complete: len(in.Incomplete) == 0, Incomplete: append([]string{}, in.Incomplete...),
		Results:        ResultsSource{Source: "run", Checks: len(rep.Results), Interrupted: rep.Interrupted},
		NeverCollected: neverCollected(),
		Collected:      []Item{}, NotCollected: []Item{},
	}
	if in.ResultsFile != "" {
		m.Results.Source, m.Results.File = "file", scrub(in.ResultsFile)
		m.NotCollected = append(m.NotCollected, Item{Item: "debug log and timings of the run that produced " + m.Results.File,
			Reason: "the results were packed from a file; debug.log covers only this command"})
	}
	for _, f := range files {
		n := len(f.Data)
		m.Files = append(m.Files, ManifestFile{Name: f.Name, Bytes: &n, Contents: f.About})
		m.Collected = append(m.Collected, Item{Item: f.About, File: f.Name})
	}
	m.Files = append(m.Files, ManifestFile{Name: ManifestName, Contents: "this file: what the bundle holds and what it could not collect"})
	for _, it := range in.Collected {
		m.Collected = append(m.Collected, scrubItem(it, scrub))
	}
	for _, it := range in.NotCollected {
		m.NotCollected = append(m.NotCollected, scrubItem(it, scrub))
	}
	m.Redactions = redactionRules(in.Scrubber.Rules(), in.Scrubber.Counts())
	m.Sweep = SweepSummary{Rules: secretRules(in.Scrubber.Rules()), Forms: in.Scrubber.FormCount(), Fragments: in.Scrubber.FragmentCount(), Result: "clean"}
	if err := add(ManifestName, "", m); err != nil {
		return nil, err
	}
	return files, nil
}

func secretRules(rules []string) int {
	n := 0
	for _, r := range rules {
		if r != secret.RuleURLPassword && r != secret.RuleDSNPassword {
			n++
		}
	}
	return n
}

func scrubItem(it Item, scrub func(string) string) Item {
	return Item{Item: scrub(it.Item), File: it.File, Reason: scrub(it.Reason)}
}

// scrubReport returns a copy of r with every text scrubbed and its control
// characters escaped, as the runner does. Results of this run were already
// cleaned by the runner; results read with --results may come from an
// older build or a hand-edited file.
func scrubReport(r report.Report, scrub func(string) string) report.Report {
	scrub = checks.Clean(scrub)
	out := r
	out.Tool.Name, out.Tool.Version = scrub(r.Tool.Name), scrub(r.Tool.Version)
	out.Results = make([]report.Entry, len(r.Results))
	for i, e := range r.Results {
		e.ID, e.Group, e.GroupTitle = scrub(e.ID), scrub(e.Group), scrub(e.GroupTitle)
		e.Title, e.Message, e.Advice, e.DocURL = scrub(e.Title), scrub(e.Message), scrub(e.Advice), scrub(e.DocURL)
		e.Details = e.Details.Scrubbed(scrub)
		e.Steps = checks.ScrubSteps(e.Steps, scrub)
		e.BlockedBy = make([]string, len(e.BlockedBy))
		for j, b := range r.Results[i].BlockedBy {
			e.BlockedBy[j] = scrub(b)
		}
		out.Results[i] = e
	}
	return out
}

type checkTiming struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	DurationMs int64  `json:"durationMs"`
}

func timings(r report.Report) map[string]any {
	list := make([]checkTiming, 0, len(r.Results))
	for _, e := range r.Results {
		list = append(list, checkTiming{ID: e.ID, Status: e.Status.String(), DurationMs: e.Duration.Milliseconds()})
	}
	return map[string]any{"startedAt": r.StartedAt, "totalMs": r.Duration.Milliseconds(), "checks": list}
}

// Describe lists what a bundle would hold, for --dry-run: the files and
// the endpoints, without touching anything.
func Describe(eps []Endpoint, missing []Item) string {
	var b strings.Builder
	b.WriteString("Files:\n")
	for _, f := range []struct{ name, about string }{
		{"results.json, results.xml, results.md, results.txt", "the results in every format"},
		{"config.json", "the effective configuration, secrets redacted, with where every value came from"},
		{"environment.json", "tool version and build, OS/arch, Kubernetes/ECS/CI detected from variable names"},
		{"network.json", "DNS of every endpoint below and the TLS chain of every TLS endpoint"},
		{"timings.json", "how long each check took"},
		{"debug.log", "the debug log (scrubbed, capped, head and tail kept)"},
		{ManifestName, "every file, what was and was not collected, redaction counts per rule"},
	} {
		fmt.Fprintf(&b, "  %-50s %s\n", f.name, f.about)
	}
	b.WriteString("Endpoints:\n")
	if len(eps) == 0 {
		b.WriteString("  (none configured)\n")
	}
	for _, e := range eps {
		what := "DNS"
		switch e.Handshake {
		case DirectTLS:
			what = "DNS, TLS chain"
		case PostgresTLS:
			what = "DNS, TLS chain (PostgreSQL SSLRequest)"
		}
		fmt.Fprintf(&b, "  %-50s %s (%s)\n", e.Address(), what, strings.Join(e.Vars, ", "))
	}
	for _, m := range missing {
		fmt.Fprintf(&b, "  not collected: %s: %s\n", m.Item, m.Reason)
	}
	return b.String()
}
