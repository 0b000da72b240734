package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// jsonReport is the documented wire form (docs/output-json.md).
type jsonReport struct {
	SchemaVersion int         `json:"schemaVersion"`
	Tool          Tool        `json:"tool"`
	StartedAt     time.Time   `json:"startedAt"`
	DurationMs    int64       `json:"durationMs"`
	Interrupted   bool        `json:"interrupted,omitempty"`
	Summary       Summary     `json:"summary"`
	Results       []jsonEntry `json:"results"`
}

type jsonEntry struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Group      string         `json:"group"`
	Status     checks.Status  `json:"status"`
	Message    string         `json:"message"`
	Advice     string         `json:"advice"`
	DocURL     string         `json:"docUrl"`
	DurationMs int64          `json:"durationMs"`
	Details    checks.Details `json:"details"`
	Steps      []jsonStep     `json:"steps,omitempty"`
	BlockedBy  []string       `json:"blockedBy"`
}

// jsonStep is one step of a result; optional fields are left out when
// empty, and a result without steps has no "steps" at all.
type jsonStep struct {
	Name     string         `json:"name,omitempty"`
	Status   checks.Status  `json:"status"`
	Message  string         `json:"message"`
	Advice   string         `json:"advice,omitempty"`
	Evidence checks.Details `json:"evidence,omitempty"`
}

// JSON writes the report as one indented JSON document.
func JSON(w io.Writer, r Report, _ Options) error {
	out := jsonReport{
		SchemaVersion: SchemaVersion, Tool: r.Tool, StartedAt: r.StartedAt,
		DurationMs: r.Duration.Milliseconds(), Interrupted: r.Interrupted, Summary: r.Summary,
		Results: make([]jsonEntry, 0, len(r.Results)),
	}
	for _, e := range r.Results {
		d := e.Details
		if d == nil {
			d = checks.Details{}
		}
		b := e.BlockedBy
		if b == nil {
			b = []string{}
		}
		out.Results = append(out.Results, jsonEntry{
			ID: e.ID, Title: e.Title, Group: e.Group, Status: e.Status, Message: e.Message, Advice: e.Advice,
			DocURL: e.DocURL, DurationMs: e.Duration.Milliseconds(), Details: d, Steps: wireSteps(e.Steps), BlockedBy: b,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ParseJSON reads a report written by JSON (the bundle packs earlier runs).
func ParseJSON(rd io.Reader) (Report, error) {
	var in jsonReport
	if err := json.NewDecoder(rd).Decode(&in); err != nil {
		return Report{}, err
	}
	r := Report{Tool: in.Tool, StartedAt: in.StartedAt, Duration: time.Duration(in.DurationMs) * time.Millisecond,
		Interrupted: in.Interrupted, Summary: in.Summary}
	for _, e := range in.Results {
		r.Results = append(r.Results, Entry{ID: e.ID, Title: e.Title, Group: e.Group, Status: e.Status,
			Message: e.Message, Advice: e.Advice, DocURL: e.DocURL, Duration: time.Duration(e.DurationMs) * time.Millisecond,
			Details: e.Details, Steps: modelSteps(e.Steps), BlockedBy: e.BlockedBy})
	}
	return r, nil
}

func wireSteps(steps []checks.Step) []jsonStep {
	if len(steps) == 0 {
		return nil
	}
	out := make([]jsonStep, len(steps))
	for i, s := range steps {
		out[i] = jsonStep{Name: s.Name, Status: s.Status, Message: s.Message, Advice: s.Advice, Evidence: s.Evidence}
	}
	return out
}

func modelSteps(steps []jsonStep) []checks.Step {
	if len(steps) == 0 {
		return nil
	}
	out := make([]checks.Step, len(steps))
	for i, s := range steps {
		out[i] = checks.Step{Name: s.Name, Status: s.Status, Message: s.Message, Advice: s.Advice, Evidence: s.Evidence}
	}
	return out
}
