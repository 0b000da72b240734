// Package report turns the runner's outcomes into one Report and renders
// it in every output format. Renderers only write: they never decide exit
// codes.
package report

import (
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// SchemaVersion is the JSON schema version; bump it only with a migration
// note in docs/output-json.md.
const SchemaVersion = 1

// Tool identifies the program that produced the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Summary counts results by status; Status is the worst one, the status
// of the whole run (the CLI derives its exit code from it). It is part of
// the JSON wire form as it is: Status marshals as its string.
type Summary struct {
	Pass   int           `json:"pass"`
	Warn   int           `json:"warn"`
	Fail   int           `json:"fail"`
	Error  int           `json:"error"`
	Skip   int           `json:"skip"`
	Status checks.Status `json:"status"`
}

// Entry is one check's result as reported. Its wire forms belong to the
// renderers (json.go has the documented one).
type Entry struct {
	ID    string
	Title string
	Group string
	// GroupTitle is the group's name for people; a report read back from
	// JSON has none until WithGroupTitles fills it in.
	GroupTitle string
	Status     checks.Status
	Message    string
	Advice     string
	DocURL     string
	Duration   time.Duration
	Details    checks.Details
	// Steps are what the check verified on the way, in order.
	Steps     []checks.Step
	BlockedBy []string
	// PrerequisiteOf lists the selected checks that needed this one, when
	// --only did not select it itself; every renderer says so.
	PrerequisiteOf []string
	// Deselected is set when --only/--skip left the check out; the table
	// and Markdown omit groups in which every check was left out.
	Deselected bool
}

// Report is the single result model every renderer reads.
type Report struct {
	Tool        Tool
	StartedAt   time.Time
	Duration    time.Duration
	Interrupted bool
	Summary     Summary
	Results     []Entry
}

// New builds a Report from outcomes, keeping their order.
func New(tool Tool, started time.Time, total time.Duration, outcomes []checks.Outcome) Report {
	r := Report{Tool: tool, StartedAt: started.UTC(), Duration: total}
	for _, o := range outcomes {
		r.Results = append(r.Results, Entry{
			ID: o.Check.ID, Title: o.Check.Title, Group: o.Check.Group, GroupTitle: o.Check.GroupTitle,
			Status: o.Result.Status, Message: o.Result.Message, Advice: o.Result.Advice,
			DocURL: o.Check.DocURL(), Duration: o.Duration, Details: o.Result.Details, Steps: o.Result.Steps,
			BlockedBy: o.Result.BlockedBy, PrerequisiteOf: o.PrerequisiteOf, Deselected: o.Deselected,
		})
	}
	r.Summary = Summarize(r.Results)
	return r
}

// Summarize counts statuses. The overall status is the most severe one
// (error > fail > warn > pass), or skip when nothing ran.
func Summarize(es []Entry) Summary {
	var s Summary
	worst := checks.Skip
	for _, e := range es {
		switch e.Status {
		case checks.Pass:
			s.Pass++
		case checks.Warn:
			s.Warn++
		case checks.Fail:
			s.Fail++
		case checks.Error:
			s.Error++
		case checks.Skip:
			s.Skip++
		}
		worst = checks.Worse(worst, e.Status)
	}
	s.Status = worst
	return s
}

// Groups returns the groups in order of first appearance, with their entries.
func (r Report) Groups() []Group {
	var out []Group
	idx := map[string]int{}
	for _, e := range r.Results {
		i, ok := idx[e.Group]
		if !ok {
			i = len(out)
			idx[e.Group] = i
			title := e.GroupTitle
			if title == "" {
				title = e.Group
			}
			out = append(out, Group{Name: e.Group, Title: title})
		}
		out[i].Entries = append(out[i].Entries, e)
	}
	return out
}

// Shown returns the groups a person reads: those with at least one check
// the selection chose, and how many checks were left out with the groups
// omitted. JSON and JUnit keep every check.
func (r Report) Shown() (groups []Group, hidden int) {
	for _, g := range r.Groups() {
		if g.deselected() {
			hidden += len(g.Entries)
			continue
		}
		groups = append(groups, g)
	}
	return groups, hidden
}

// PrerequisiteNote is what every renderer says about a check that ran only
// because a selected check needs it; "" for any other check.
func (e Entry) PrerequisiteNote() string {
	if len(e.PrerequisiteOf) == 0 {
		return ""
	}
	return "included as a prerequisite of " + strings.Join(e.PrerequisiteOf, ", ")
}

// Group is one component's entries.
type Group struct {
	Name    string
	Title   string
	Entries []Entry
}

func (g Group) deselected() bool {
	for _, e := range g.Entries {
		if !e.Deselected {
			return false
		}
	}
	return true
}

// WithGroupTitles returns r with each entry's group title set by title(id),
// for a report read back from JSON, whose wire form has group IDs only.
func (r Report) WithGroupTitles(title func(group string) string) Report {
	out := r
	out.Results = make([]Entry, len(r.Results))
	for i, e := range r.Results {
		e.GroupTitle = title(e.Group)
		out.Results[i] = e
	}
	return out
}
