package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
	// PrerequisiteOf is present only on a check that ran because a
	// selected check needs it (--only).
	PrerequisiteOf []string `json:"prerequisiteOf,omitempty"`
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
			PrerequisiteOf: e.PrerequisiteOf,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ParseJSON reads a report written by JSON (the bundle packs earlier runs).
// It refuses anything that is not one: another JSON document, a report of
// another schemaVersion, results without an ID or status, a summary that
// does not count the results, or data after the document (see validate).
func ParseJSON(rd io.Reader) (Report, error) {
	dec := json.NewDecoder(rd)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return Report{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Report{}, errors.New("more data after the JSON document")
	}
	if err := validate(raw); err != nil {
		return Report{}, err
	}
	var in jsonReport
	if err := json.Unmarshal(raw, &in); err != nil {
		return Report{}, err
	}
	r := Report{Tool: in.Tool, StartedAt: in.StartedAt, Duration: time.Duration(in.DurationMs) * time.Millisecond,
		Interrupted: in.Interrupted, Summary: in.Summary}
	for _, e := range in.Results {
		r.Results = append(r.Results, Entry{ID: e.ID, Title: e.Title, Group: e.Group, Status: e.Status,
			Message: e.Message, Advice: e.Advice, DocURL: e.DocURL, Duration: time.Duration(e.DurationMs) * time.Millisecond,
			Details: e.Details, Steps: modelSteps(e.Steps), BlockedBy: e.BlockedBy, PrerequisiteOf: e.PrerequisiteOf})
	}
	if got := Summarize(r.Results); got != r.Summary {
		return Report{}, fmt.Errorf("the summary (%s) does not count the results (%s)", summaryLine(r.Summary), summaryLine(got))
	}
	return r, nil
}

// wireShape is the part of the wire form that must be present, with
// pointers so that a missing field is told from a zero one.
type wireShape struct {
	SchemaVersion *int `json:"schemaVersion"`
	Tool          *struct {
		Name string `json:"name"`
	} `json:"tool"`
	Summary *json.RawMessage `json:"summary"`
	Results *[]struct {
		ID     *string `json:"id"`
		Status *string `json:"status"`
	} `json:"results"`
}

// validate checks that raw has the shape of schemaVersion 1: fields may be
// added by later versions, none of the required ones may be missing.
func validate(raw json.RawMessage) error {
	var w wireShape
	if err := json.Unmarshal(raw, &w); err != nil {
		return err
	}
	var missing []string
	if w.SchemaVersion == nil {
		missing = append(missing, "schemaVersion")
	}
	if w.Tool == nil || w.Tool.Name == "" {
		missing = append(missing, "tool.name")
	}
	if w.Summary == nil {
		missing = append(missing, "summary")
	}
	if w.Results == nil {
		missing = append(missing, "results")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if *w.SchemaVersion != SchemaVersion {
		return fmt.Errorf("schemaVersion %d; this build reads %d", *w.SchemaVersion, SchemaVersion)
	}
	var bad []string
	for i, e := range *w.Results {
		switch {
		case e.ID == nil || !checks.ValidID(*e.ID):
			bad = append(bad, fmt.Sprintf("results[%d] has no valid id", i))
		case e.Status == nil:
			bad = append(bad, fmt.Sprintf("results[%d] (%s) has no status", i, *e.ID))
		default:
			if _, err := checks.ParseStatus(*e.Status); err != nil {
				bad = append(bad, fmt.Sprintf("results[%d] (%s): %v", i, *e.ID, err))
			}
		}
		if len(bad) == 3 {
			break
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
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
