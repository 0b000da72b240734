package bundle

import (
	"sort"
	"time"
)

// ManifestSchemaVersion is bumped with any incompatible manifest change.
const ManifestSchemaVersion = 1

// Manifest describes the bundle: every file, what was and was not
// collected, and how much was redacted per rule. It never holds a value.
type Manifest struct {
	SchemaVersion int       `json:"schemaVersion"`
	Tool          Build     `json:"tool"`
	CreatedAt     time.Time `json:"createdAt"`
	// Complete is false when the run was interrupted or something could not
	// be collected because of it; Incomplete says why.
	Complete       bool            `json:"complete"`
	Incomplete     []string        `json:"incompleteReasons"`
	Results        ResultsSource   `json:"results"`
	Files          []ManifestFile  `json:"files"`
	Collected      []Item          `json:"collected"`
	NotCollected   []Item          `json:"notCollected"`
	NeverCollected []string        `json:"neverCollected"`
	Redactions     []RedactionRule `json:"redactions"`
	Sweep          SweepSummary    `json:"sweep"`
}

// ResultsSource says where the results came from.
type ResultsSource struct {
	// Source is "run" (this command ran the checks) or "file" (--results).
	Source      string `json:"source"`
	File        string `json:"file,omitempty"`
	Checks      int    `json:"checks"`
	Interrupted bool   `json:"interrupted"`
}

// ManifestFile is one archive member. manifest.json lists itself, without
// a size.
type ManifestFile struct {
	Name     string `json:"name"`
	Bytes    *int   `json:"bytes,omitempty"`
	Contents string `json:"contents"`
}

// RedactionRule counts what one rule replaced during the whole command
// (check results, logs and collected facts).
type RedactionRule struct {
	Rule  string `json:"rule"`
	Count int    `json:"count"`
}

// SweepSummary records the final sweep; a bundle exists only when it was
// clean.
type SweepSummary struct {
	Rules int `json:"secretsSearched"`
	Forms int `json:"formsSearched"`
	// Fragments is how many fragments of secrets (6-character windows and
	// parts between URL delimiters) were searched besides the forms.
	Fragments int    `json:"fragmentsSearched"`
	Result    string `json:"result"`
}

// neverCollected is the promise docs/support-bundle.md repeats.
func neverCollected() []string {
	return []string{
		"secret values (passwords, keys, tokens, connection-string credentials) in any encoding",
		"values of process environment variables (only the names of a few that identify the platform)",
		"the contents of input files (only the effective values, with secrets redacted)",
		"data read from any backend (no rows, objects, messages or keys)",
		"private keys or certificates from disk (only the public certificate chains servers present)",
	}
}

// redactionRules lists every rule with its count, including zero, sorted.
func redactionRules(rules []string, counts map[string]int) []RedactionRule {
	seen := map[string]bool{}
	var out []RedactionRule
	for _, r := range rules {
		if !seen[r] {
			seen[r] = true
			out = append(out, RedactionRule{Rule: r, Count: counts[r]})
		}
	}
	for r, n := range counts {
		if !seen[r] {
			seen[r] = true
			out = append(out, RedactionRule{Rule: r, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}
